/**
 * The stop/rollback/redeploy scripts against a real Redis: a stop request is guarded by the rev
 * and skips the waiting hosts once; a cancel flag is set once and wakes the agent's poll; a
 * deployment closing with a rollback to come keeps its group's slot until the rollback is settled,
 * which then runs before anything queued; the group records its last attempted and successful
 * deployments; an instance records the revision a deployment left on it; revision use times only
 * widen.
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { newTarget, skipTarget } from '../../shared/domain/target-updates.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { MANUAL_STOP_ERROR } from '../../shared/domain/stop.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

const db = storeForThisFile('control');
const now = new Date('2026-11-27T10:00:00Z');
const lifecycle = lifecycleFor('IN_PLACE', false);
const plan = { total: 3, minHealthy: 0, windowSize: 3, oneAtATime: false };

const spec = deploymentSpec;

/** Create, claim and start a deployment on hosts h1..h3; release h1. */
async function running(id: string, groupId: string, at = now, digest?: string): Promise<void> {
  await db.store.deployments.create(spec(id, groupId, digest), at);
  expect(await db.store.deployments.claimGroup(id, groupId)).toBe('active');
  await db.store.deployments.start(id, plan, ['h1', 'h2', 'h3'].map((h) => newTarget(id, h, lifecycle, at)), at);
  const state = (await db.store.deployments.get(id))!;
  const [h1] = await db.store.deployments.getTargets(id, ['h1']);
  const command = buildCommand(state.spec, 'h1', lifecycle, at, 1000);
  const released = { ...h1, status: 'InProgress' as const, commandId: command.command.commandId, version: h1.version + 1 };
  expect(await db.store.deployments.release(id, state.rev, [{ target: released, command }])).toBe(true);
}

describe('stop', () => {
  it('a stop request is guarded by the rev, skips the waiting hosts once, and flags the running command', async () => {
    const id = 'd-STOP00001';
    await running(id, 'g-stop');
    const state = (await db.store.deployments.get(id))!;
    const waiting = await db.store.deployments.getTargets(id, await db.store.deployments.waitingAll(id));
    const skipped = waiting.map((t) => skipTarget(t, now));
    expect(await db.store.control.requestStop(id, String(Number(state.rev) - 1), skipped, MANUAL_STOP_ERROR, true)).toBe('conflict');
    expect(await db.store.control.requestStop(id, state.rev, skipped, MANUAL_STOP_ERROR, true)).toBe('requested');
    expect(await db.store.control.requestStop(id, state.rev, skipped, MANUAL_STOP_ERROR, true)).toBe('already');
    const after = (await db.store.deployments.get(id))!;
    expect(after).toMatchObject({ stopping: true, stopRollback: true, error: MANUAL_STOP_ERROR });
    expect(after.overview).toMatchObject({ Pending: 0, InProgress: 1, Skipped: 2 });
    expect(await db.store.deployments.waitingAll(id)).toEqual([]);
    // Every lifecycle event of a skipped host is recorded Skipped, once.
    const events = (await db.store.events.range(id, undefined)).map((e) => e.event);
    expect(events.filter((e) => e.type === 'LifecycleEvent' && e.instanceId === 'h2')).toHaveLength(lifecycle.length);
    expect(events.filter((e) => e.type === 'DeploymentAction').map((e) => e.type === 'DeploymentAction' && e.action)).toEqual(['StopRequested']);

    // The cancel flag: set once, and the instance's poll is woken.
    const subscriber = db.redis.duplicate();
    const woken = new Promise<string>((resolve) => subscriber.on('message', (_channel, instance: string) => resolve(instance)));
    await subscriber.subscribe(db.store.keys.wakeChannel);
    const [h1] = await db.store.deployments.getTargets(id, ['h1']);
    expect(await db.store.control.cancelCommand(h1.commandId!)).toBe(true);
    expect(await woken).toBe('h1');
    subscriber.disconnect();
    expect((await db.store.commands.get(h1.commandId!))!.cancelRequested).toBe(true);
    expect(await db.store.control.cancelCommand(h1.commandId!)).toBe(false);
    expect(await db.store.control.cancelCommand('d-NONE.h9.ApplicationStop')).toBe(false);
    // Not running any more: refused.
    expect(await db.store.control.requestStop('d-NOSUCH001', '0', [], MANUAL_STOP_ERROR, undefined)).toBe('not-running');
  });
});

describe('rollback hand-over', () => {
  it('a deployment closing with a rollback to come keeps the slot; the rollback gets it before the queue', async () => {
    const group = 'g-roll';
    await running('d-ROLL00001', group);
    await db.store.deployments.create(spec('d-ROLL00002', group), now); // a user deployment, queued behind
    expect(await db.store.deployments.claimGroup('d-ROLL00002', group)).toBe('queued');

    const failing = (await db.store.deployments.get('d-ROLL00001'))!;
    const closed = await db.store.deployments.close(failing, ['InProgress'], failing.rev, 'Failed', { code: 'HEALTH_CONSTRAINTS', message: 'x' }, now, { holdForRollback: true });
    expect(closed).toEqual({ result: 'closed', nextDeploymentId: undefined });
    expect(await db.store.deployments.groupHolder(group)).toBe('d-ROLL00001');
    expect(await db.store.control.pendingRollbacks()).toContain('d-ROLL00001');
    // A repeated close (the terminal reconcile) does not hand the slot over while the rollback is pending.
    expect(await db.store.deployments.close(failing, [], undefined, 'Failed', undefined, now)).toEqual({ result: 'already', nextDeploymentId: undefined });

    // The rollback was created and, seeing the slot taken, queued behind the user's deployment.
    await db.store.deployments.create({ ...spec('d-ROLL00003', group), creator: 'codeDeployRollback' }, now);
    expect(await db.store.deployments.claimGroup('d-ROLL00003', group)).toBe('queued');
    const settled = await db.store.control.settleRollback('d-ROLL00001', group, 'd-ROLL00003', { rollbackDeploymentId: 'd-ROLL00003', rollbackMessage: 'rolled back' });
    expect(settled).toEqual({ result: 'settled', nextDeploymentId: 'd-ROLL00003' });
    expect(await db.store.control.settleRollback('d-ROLL00001', group, 'd-ROLL00003', { rollbackMessage: 'again' })).toEqual({ result: 'already', nextDeploymentId: undefined });
    expect(await db.store.deployments.groupHolder(group)).toBe('d-ROLL00003');
    expect(await db.store.deployments.claimGroup('d-ROLL00003', group)).toBe('active');
    expect(await db.store.deployments.claimGroup('d-ROLL00002', group)).toBe('queued');
    expect(await db.store.control.pendingRollbacks()).not.toContain('d-ROLL00001');
    expect((await db.store.deployments.get('d-ROLL00001'))!.rollback).toEqual({ rollbackDeploymentId: 'd-ROLL00003', rollbackMessage: 'rolled back' });
    const actions = (await db.store.events.range('d-ROLL00001', undefined)).map((e) => e.event).filter((e) => e.type === 'DeploymentAction');
    expect(actions).toMatchObject([{ action: 'RollbackStarted', rollbackDeploymentId: 'd-ROLL00003', status: 'Failed' }]);
  });

  it('with no rollback to run, the slot goes to the next queued deployment', async () => {
    const group = 'g-none';
    await running('d-NONE00001', group);
    await db.store.deployments.create(spec('d-NONE00002', group), now);
    expect(await db.store.deployments.claimGroup('d-NONE00002', group)).toBe('queued');
    const failing = (await db.store.deployments.get('d-NONE00001'))!;
    await db.store.deployments.close(failing, ['InProgress'], failing.rev, 'Failed', undefined, now, { holdForRollback: true });
    expect(await db.store.control.settleRollback('d-NONE00001', group, undefined, { rollbackMessage: 'nothing to roll back to' })).toEqual({
      result: 'settled',
      nextDeploymentId: 'd-NONE00002',
    });
    expect(await db.store.deployments.groupHolder(group)).toBe('d-NONE00002');
  });
});

describe('group and instance records', () => {
  it('records the last attempted and successful deployments, not one stopped before it started', async () => {
    const group = 'g-last';
    await running('d-LAST00001', group);
    const first = (await db.store.deployments.get('d-LAST00001'))!;
    await db.store.deployments.close(first, ['InProgress'], first.rev, 'Succeeded', undefined, now);
    expect(await db.store.control.groupLast(group)).toEqual({ lastAttempted: 'd-LAST00001', lastSuccessful: 'd-LAST00001' });
    await db.store.deployments.create(spec('d-LAST00002', group), now);
    const queued = (await db.store.deployments.get('d-LAST00002'))!;
    await db.store.deployments.close(queued, ['Created', 'Queued'], undefined, 'Stopped', MANUAL_STOP_ERROR, now);
    expect(await db.store.control.groupLast(group)).toEqual({ lastAttempted: 'd-LAST00001', lastSuccessful: 'd-LAST00001' });
    await running('d-LAST00003', group);
    const third = (await db.store.deployments.get('d-LAST00003'))!;
    await db.store.deployments.close(third, ['InProgress'], third.rev, 'Failed', undefined, now);
    expect(await db.store.control.groupLast(group)).toEqual({ lastAttempted: 'd-LAST00003', lastSuccessful: 'd-LAST00001' });
  });

  it('an instance records the revision a finished deployment left on it; an older deployment never overwrites a newer one', async () => {
    const group = 'g-rev';
    const later = new Date(now.getTime() + 60_000);
    await running('d-REVS00002', group, later, 'c'.repeat(64));
    await running('d-REVS00001', `${group}-other`, now, 'b'.repeat(64));
    const [h1] = await db.store.deployments.getTargets('d-REVS00002', ['h1']);
    expect(await db.store.deployments.writeTarget(h1, { ...h1, status: 'Failed', commandId: undefined }, undefined)).toBe(true);
    let revs = await db.store.control.instanceRevisions(group, ['h1', 'h2']);
    expect(revs.get('h1')).toMatchObject({ deploymentId: 'd-REVS00002', digest: 'c'.repeat(64), status: 'Failed' });
    expect(revs.has('h2')).toBe(false);

    // An older deployment of the same group finishing late does not overwrite the newer record.
    await db.store.deployments.create({ ...spec('d-REVS00003', group, 'd'.repeat(64)) }, now);
    await db.store.deployments.start('d-REVS00003', plan, ['h1'].map((h) => newTarget('d-REVS00003', h, lifecycle, now)), now);
    const [old] = await db.store.deployments.getTargets('d-REVS00003', ['h1']);
    await db.store.deployments.writeTarget(old, { ...old, status: 'InProgress' }, undefined);
    const [oldRunning] = await db.store.deployments.getTargets('d-REVS00003', ['h1']);
    await db.store.deployments.writeTarget(oldRunning, { ...oldRunning, status: 'Succeeded' }, undefined);
    revs = await db.store.control.instanceRevisions(group, ['h1']);
    expect(revs.get('h1')!.deploymentId).toBe('d-REVS00002');
    expect((await db.store.control.revisionsOf('h1')).map((r) => r.deploymentGroupId).sort()).toEqual([group]);
  });

  it('revision use times only widen (first = earliest, last = latest), whatever the order of marks', async () => {
    const digest = 'e'.repeat(64);
    await db.store.catalog.registerRevision({ applicationName: 'app', revision: { revisionType: 'Bundle', digest }, bundleType: 'tgz', size: 1, eventTimeoutSeconds: {}, registerTime: now.toISOString() });
    await db.store.catalog.markRevisionUsed('app', digest, '2026-11-27T12:00:00.000Z');
    await db.store.catalog.markRevisionUsed('app', digest, '2026-11-27T11:00:00.000Z');
    await db.store.catalog.markRevisionUsed('app', digest, '2026-11-27T13:00:00.000Z');
    await db.store.catalog.markRevisionUsed('app', digest, '2026-11-27T12:30:00.000Z');
    expect(await db.store.catalog.getRevision('app', digest)).toMatchObject({ firstUsedTime: '2026-11-27T11:00:00.000Z', lastUsedTime: '2026-11-27T13:00:00.000Z' });
    expect((await db.store.catalog.listRevisions('app')).find((r) => r.revision.digest === digest)).toMatchObject({ lastUsedTime: '2026-11-27T13:00:00.000Z' });
  });
});
