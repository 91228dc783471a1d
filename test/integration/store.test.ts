/**
 * The store's guarded transitions against a real Redis: a lost race is refused, a replay is
 * harmless, a group has one active deployment and hands its slot on in order.
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { newTarget } from '../../shared/domain/target-updates.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

const db = storeForThisFile('store');
const now = new Date('2026-11-27T10:00:00Z');

const spec = deploymentSpec;

describe('deployment group slot', () => {
  it('lets one deployment run per group and hands the slot on in order', async () => {
    for (const id of ['d-AAAAAAAA1', 'd-AAAAAAAA2', 'd-AAAAAAAA3']) await db.store.deployments.create(spec(id), now);
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA1', 'group-1')).toBe('active');
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA2', 'group-1')).toBe('queued');
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA3', 'group-1')).toBe('queued');
    // Claiming again is harmless.
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA2', 'group-1')).toBe('queued');
    expect((await db.store.deployments.get('d-AAAAAAAA2'))?.status).toBe('Queued');

    const first = (await db.store.deployments.get('d-AAAAAAAA1'))!;
    const closed = await db.store.deployments.close(first, ['Created'], undefined, 'Failed', { code: 'NO_INSTANCES', message: 'x' }, now);
    expect(closed).toEqual({ result: 'closed', nextDeploymentId: 'd-AAAAAAAA2' });
    // A repeated close hands over nothing new and changes nothing.
    expect(await db.store.deployments.close(first, ['Created'], undefined, 'Failed', undefined, now)).toEqual({ result: 'already', nextDeploymentId: 'd-AAAAAAAA2' });
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA3', 'group-1')).toBe('queued');
    expect(await db.store.deployments.claimGroup('d-AAAAAAAA2', 'group-1')).toBe('active');
  });

  it('makes creation idempotent by client token', async () => {
    const a = await db.store.deployments.create({ ...spec('d-BBBBBBBB1', 'group-2'), clientToken: 'tok' }, now);
    const b = await db.store.deployments.create({ ...spec('d-BBBBBBBB2', 'group-2'), clientToken: 'tok' }, now);
    expect(a).toEqual({ created: true, deploymentId: 'd-BBBBBBBB1' });
    expect(b).toEqual({ created: false, deploymentId: 'd-BBBBBBBB1' });
    expect(await db.store.deployments.get('d-BBBBBBBB2')).toBeUndefined();
  });
});

describe('targets', () => {
  it('releases only against the rev it read, and a stale target write is refused', async () => {
    const id = 'd-CCCCCCCC1';
    await db.store.deployments.create(spec(id, 'group-3'), now);
    expect(await db.store.deployments.claimGroup(id, 'group-3')).toBe('active');
    const lifecycle = lifecycleFor('IN_PLACE', false);
    const targets = ['h1', 'h2'].map((h) => newTarget(id, h, lifecycle, now));
    expect(await db.store.deployments.start(id, { total: 2, minHealthy: 0, windowSize: 2, oneAtATime: false }, targets, now)).toBe(true);
    expect(await db.store.deployments.start(id, { total: 2, minHealthy: 0, windowSize: 2, oneAtATime: false }, targets, now)).toBe(false);

    const state = (await db.store.deployments.get(id))!;
    const [h1] = await db.store.deployments.getTargets(id, ['h1']);
    const command = buildCommand(state.spec, 'h1', lifecycle, now, 1000);
    const released = { ...h1, status: 'InProgress' as const, commandId: command.command.commandId, version: h1.version + 1 };
    expect(await db.store.deployments.release(id, String(Number(state.rev) + 1), [{ target: released, command }])).toBe(false);
    expect(await db.store.deployments.release(id, state.rev, [{ target: released, command }])).toBe(true);
    expect(await db.store.deployments.waitingAll(id)).toEqual(['h2']);
    expect((await db.store.deployments.get(id))!.overview).toMatchObject({ Pending: 1, InProgress: 1 });
    expect((await db.store.commands.openFor('h1')).map((c) => c.command.commandId)).toEqual([command.command.commandId]);

    const stored = (await db.store.deployments.getTarget(id, 'h1'))!;
    const done = { ...stored, status: 'Succeeded' as const };
    expect(await db.store.deployments.writeTarget(stored, done, undefined)).toBe(true);
    // The same write again is based on a stale version.
    expect(await db.store.deployments.writeTarget(stored, done, undefined)).toBe(false);
    expect((await db.store.deployments.get(id))!.overview).toMatchObject({ InProgress: 0, Succeeded: 1 });

    // Each change left exactly one event, in order, on the deployment's stream; refused writes left none.
    const events = (await db.store.events.range(id, undefined)).map((e) => e.event);
    expect(events.map((e) => [e.type, 'status' in e ? e.status : undefined, 'instanceId' in e ? e.instanceId : undefined])).toEqual([
      ['DeploymentStatus', 'Created', undefined],
      ['DeploymentStatus', 'InProgress', undefined],
      ['InstanceStatus', 'InProgress', 'h1'],
      ['InstanceStatus', 'Succeeded', 'h1'],
    ]);
    expect(events.every((e) => typeof e.at === 'number')).toBe(true);
    const [, second] = await db.store.events.range(id, undefined);
    expect((await db.store.events.range(id, second.id)).map((e) => ('status' in e.event ? e.event.status : undefined))).toEqual(['InProgress', 'Succeeded']);
  });

  it('appends script output once per sequence number, to each lifecycle event\'s own log', async () => {
    const id = 'd-DDDDDDDD1';
    const both = [
      { instanceId: 'h1', lifecycleEventName: 'BeforeInstall' },
      { instanceId: 'h1', lifecycleEventName: 'AfterInstall' },
    ];
    await db.store.logs.append(id, 'h1', 'cmd-1', 1, [{ lifecycleEventName: 'BeforeInstall', text: 'one\n' }], 60);
    await db.store.logs.append(id, 'h1', 'cmd-1', 1, [{ lifecycleEventName: 'BeforeInstall', text: 'one\n' }], 60);
    await db.store.logs.append(id, 'h1', 'cmd-1', 2, [{ lifecycleEventName: 'BeforeInstall', text: 'two\n' }, { lifecycleEventName: 'AfterInstall', text: 'three\n' }], 60);
    const { logs, streamId } = await db.store.logs.snapshot(id, both);
    expect(logs.map((l) => [l.text, l.dropped, l.end])).toEqual([['one\ntwo\n', 0, 8], ['three\n', 0, 6]]);
    // The log stream announced each append (no text), ending where the snapshot says.
    const appends = await db.store.logs.appendsAfter(id, '0-0');
    expect(appends.map((a) => [a.lifecycleEventName, a.end, a.length])).toEqual([['BeforeInstall', 4, 4], ['BeforeInstall', 8, 4], ['AfterInstall', 6, 6]]);
    expect(appends[appends.length - 1].id).toBe(streamId);
    expect(await db.store.logs.range(id, both[0], 4, 8)).toEqual({ text: 'two\n', missed: 0 });
    const ttl = await db.redis.ttl(db.store.keys.eventLog(id, 'h1', 'BeforeInstall'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('caps an event\'s log: the oldest lines go, the drop is counted, offsets stay valid', async () => {
    const id = 'd-DDDDDDDD2';
    const key = { instanceId: 'h1', lifecycleEventName: 'ApplicationStart' };
    const line = (n: number) => `line ${String(n).padStart(6, '0')} ${'x'.repeat(987)}\n`; // 1000 bytes
    const chunk = (from: number) => Array.from({ length: 600 }, (_, i) => line(from + i)).join('');
    await db.store.logs.append(id, 'h1', 'cmd-2', 1, [{ lifecycleEventName: key.lifecycleEventName, text: chunk(0) }], 60);
    await db.store.logs.append(id, 'h1', 'cmd-2', 2, [{ lifecycleEventName: key.lifecycleEventName, text: chunk(600) }], 60);
    const [log] = (await db.store.logs.snapshot(id, [key])).logs;
    expect(log.end).toBe(1_200_000);
    expect(log.dropped).toBeGreaterThan(0);
    expect(log.dropped % 1000).toBe(0); // cut at a line boundary
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(1024 * 1024);
    expect(log.text.endsWith(line(1199))).toBe(true);
    expect(log.text.startsWith(line(log.dropped / 1000))).toBe(true);
    // Asking for text that is gone says how much of it was missed.
    const early = await db.store.logs.range(id, key, 0, log.dropped + 1000);
    expect(early).toEqual({ text: line(log.dropped / 1000), missed: log.dropped });
  });
});
