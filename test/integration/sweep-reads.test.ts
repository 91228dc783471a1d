/**
 * The sweeper's paged reads against a real Redis: the open commands' ids (their records read a
 * page at a time) and the targets between two commands, found without parsing the others.
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { newTarget } from '../../shared/domain/target-updates.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

const db = storeForThisFile('sweep-reads');
const now = new Date('2026-11-27T10:00:00Z');

describe('sweeper reads', () => {
  it('lists open command ids and the InProgress targets that have no command, over many pages', async () => {
    const id = 'd-SWEEPRD01';
    await db.store.deployments.create(deploymentSpec(id, 'group-sweep'), now);
    expect(await db.store.deployments.claimGroup(id, 'group-sweep')).toBe('active');
    const lifecycle = lifecycleFor('IN_PLACE', false);
    const hosts = Array.from({ length: 30 }, (_, i) => `h${i}`);
    const targets = hosts.map((h) => newTarget(id, h, lifecycle, now));
    expect(await db.store.deployments.start(id, { total: 30, minHealthy: 0, windowSize: 30, oneAtATime: false }, targets, now)).toBe(true);

    const state = (await db.store.deployments.get(id))!;
    const releases = (await db.store.deployments.getTargets(id, hosts)).map((t) => {
      const command = buildCommand(state.spec, t.targetId, lifecycle, now, 1000);
      return { target: { ...t, status: 'InProgress' as const, commandId: command.command.commandId, version: t.version + 1 }, command };
    });
    expect(await db.store.deployments.release(id, state.rev, releases)).toBe(true);
    expect((await db.store.commands.openIds()).sort()).toEqual(releases.map((r) => r.command.command.commandId).sort());
    expect(await db.store.deployments.targetsBetweenCommands(id, 4)).toEqual([]);

    // h3 and h7 are between commands (InProgress, none open); h5 is done; the rest still run theirs.
    for (const [host, after] of [
      ['h3', { status: 'InProgress' as const, commandId: undefined }],
      ['h7', { status: 'InProgress' as const, commandId: undefined }],
      ['h5', { status: 'Succeeded' as const, commandId: undefined }],
    ] as const) {
      const stored = (await db.store.deployments.getTarget(id, host))!;
      expect(await db.store.deployments.writeTarget(stored, { ...stored, ...after }, undefined)).toBe(true);
    }
    const between = await db.store.deployments.targetsBetweenCommands(id, 4);
    expect([...new Set(between.map((t) => t.targetId))].sort()).toEqual(['h3', 'h7']);
  });
});
