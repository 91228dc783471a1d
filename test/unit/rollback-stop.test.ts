import { describe, expect, it } from 'vitest';
import {
  effectiveRollbackConfiguration,
  lastGoodBefore,
  planRollback,
  rollbackClientToken,
  rollbackEventOf,
  wantsRollback,
  type AutoRollbackConfiguration,
  type Ending,
} from '../../shared/domain/rollback.js';
import { decideStop, stopProgress, type StopView } from '../../shared/domain/stop.js';
import { isOutdated, listRevisions, revisionHealth } from '../../shared/domain/revision-health.js';
import { isStalled, type StallView } from '../../workers/watchdog.js';

const ALL: AutoRollbackConfiguration = { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] };
const ON_FAILURE: AutoRollbackConfiguration = { enabled: true, events: ['DEPLOYMENT_FAILURE'] };
const failed: Ending = { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', started: true };
const stopped: Ending = { status: 'Stopped', errorCode: 'MANUAL_STOP', started: true };

describe('wantsRollback', () => {
  const cases: [string, Parameters<typeof wantsRollback>[0], Ending, boolean][] = [
    ['failure with DEPLOYMENT_FAILURE', { creator: 'user', autoRollbackConfiguration: ON_FAILURE }, failed, true],
    ['failure, rollback disabled', { creator: 'user', autoRollbackConfiguration: { ...ALL, enabled: false } }, failed, false],
    ['failure, no configuration', { creator: 'user' }, failed, false],
    ['success never', { creator: 'user', autoRollbackConfiguration: ALL }, { status: 'Succeeded', started: true }, false],
    ['a rollback never rolls back itself', { creator: 'codeDeployRollback', autoRollbackConfiguration: ALL }, failed, false],
    ['never started: nothing to undo', { creator: 'user', autoRollbackConfiguration: ALL }, { ...failed, started: false }, false],
    ['stop, STOP_ON_REQUEST configured', { creator: 'user', autoRollbackConfiguration: ALL }, stopped, true],
    ['stop, only FAILURE configured', { creator: 'user', autoRollbackConfiguration: ON_FAILURE }, stopped, false],
    ['stop, autoRollbackEnabled=true wins over the config', { creator: 'user', autoRollbackConfiguration: ON_FAILURE, stopRollback: true }, stopped, true],
    ['stop, autoRollbackEnabled=false wins over the config', { creator: 'user', autoRollbackConfiguration: ALL, stopRollback: false }, stopped, false],
    ['alarm stop, STOP_ON_ALARM', { creator: 'user', autoRollbackConfiguration: ALL }, { status: 'Stopped', errorCode: 'ALARM_ACTIVE', started: true }, true],
    ['alarm stop ignores the stop request flag', { creator: 'GitHub', autoRollbackConfiguration: ON_FAILURE, stopRollback: true }, { status: 'Stopped', errorCode: 'ALARM_ACTIVE', started: true }, false],
  ];
  for (const [name, subject, ending, expected] of cases) it(name, () => expect(wantsRollback(subject, ending)).toBe(expected));

  it('maps endings to CodeDeploy events', () => {
    expect(rollbackEventOf(failed)).toBe('DEPLOYMENT_FAILURE');
    expect(rollbackEventOf(stopped)).toBe('DEPLOYMENT_STOP_ON_REQUEST');
    expect(rollbackEventOf({ status: 'Succeeded', started: true })).toBeUndefined();
  });

  it('a deployment override replaces the group configuration', () => {
    expect(effectiveRollbackConfiguration(ALL, ON_FAILURE)).toBe(ON_FAILURE);
    expect(effectiveRollbackConfiguration(ALL, undefined)).toBe(ALL);
    expect(effectiveRollbackConfiguration(undefined, undefined)).toBeUndefined();
  });
});

describe('planRollback', () => {
  const triggering = { deploymentId: 'd-AAAAAAAA1', deploymentGroupName: 'web' };
  it('without an earlier success there is none, and it says why', () => {
    const plan = planRollback(triggering, failed, undefined);
    expect(plan.kind).toBe('none');
    if (plan.kind === 'none') expect(plan.message).toMatch(/no deployment has succeeded on deployment group web/);
  });
  it('redeploys the last good revision under a token only this deployment can produce', () => {
    const lastGood = { deploymentId: 'd-GOOD00001', revisionDigest: 'b'.repeat(64), fileExistsBehavior: 'RETAIN' as const, ignoreApplicationStopFailures: false };
    const plan = planRollback(triggering, stopped, lastGood);
    expect(plan.kind).toBe('create');
    if (plan.kind !== 'create') return;
    expect(plan.clientToken).toBe(rollbackClientToken('d-AAAAAAAA1'));
    expect(plan.clientToken).not.toMatch(/^[A-Za-z0-9_-]{1,64}$/); // users' clientTokens cannot collide
    expect(plan.lastGood).toBe(lastGood);
    expect(plan.messageForTriggering('d-ROLLBACK1')).toContain('d-ROLLBACK1');
    expect(plan.messageForTriggering('d-ROLLBACK1')).toContain('DEPLOYMENT_STOP_ON_REQUEST');
    expect(plan.messageForRollback).toContain('d-AAAAAAAA1');
  });
});

describe('lastGoodBefore (manual rollback)', () => {
  const d = (deploymentId: string, status: string, createTime: string) => ({ deploymentId, status, createTime });
  const group = [d('d-1', 'Succeeded', '2026-01-01'), d('d-2', 'Failed', '2026-01-02'), d('d-3', 'Succeeded', '2026-01-03'), d('d-4', 'Succeeded', '2026-01-04')];
  it('is the newest success created before the deployment, never the deployment itself', () => {
    expect(lastGoodBefore(group, { deploymentId: 'd-4', createTime: '2026-01-04' })?.deploymentId).toBe('d-3');
    expect(lastGoodBefore(group, { deploymentId: 'd-3', createTime: '2026-01-03' })?.deploymentId).toBe('d-1');
    expect(lastGoodBefore(group, { deploymentId: 'd-2', createTime: '2026-01-02' })?.deploymentId).toBe('d-1');
    expect(lastGoodBefore(group, { deploymentId: 'd-1', createTime: '2026-01-01' })).toBeUndefined();
  });
});

describe('decideStop', () => {
  const view = (v: Partial<StopView>): StopView => ({ deploymentId: 'd-X', status: 'InProgress', stopping: false, inProgress: 2, ...v });
  it('closes a deployment that has not started', () => {
    expect(decideStop(view({ status: 'Created' })).kind).toBe('close-before-start');
    expect(decideStop(view({ status: 'Queued' })).kind).toBe('close-before-start');
  });
  it('requests a stop of a running one, then answers Pending until nothing is in flight', () => {
    expect(decideStop(view({})).kind).toBe('request');
    expect(decideStop(view({ stopping: true }))).toEqual({ kind: 'answer', answer: stopProgress(2) });
    expect(stopProgress(2).status).toBe('Pending');
    expect(stopProgress(0).status).toBe('Succeeded');
  });
  it('answers Succeeded for a deployment it stopped, and refuses one that finished otherwise', () => {
    expect(decideStop(view({ status: 'Stopped', errorCode: 'MANUAL_STOP' }))).toEqual({ kind: 'answer', answer: stopProgress(0) });
    expect(decideStop(view({ status: 'Stopped', errorCode: 'ALARM_ACTIVE' })).kind).toBe('completed');
    expect(decideStop(view({ status: 'Succeeded' })).kind).toBe('completed');
    expect(decideStop(view({ status: 'Failed' })).kind).toBe('completed');
    // A blue/green deployment waiting in Ready can be stopped like one in progress.
    expect(decideStop(view({ status: 'Ready' })).kind).toBe('request');
    expect(decideStop(view({ status: 'Baking' })).kind).toBe('unsupported');
  });
});

describe('revision health and listing', () => {
  it('is Current only after a success with the same revision', () => {
    expect(revisionHealth(undefined, 'a')).toBe('Unknown');
    expect(revisionHealth({ digest: 'a', status: 'Succeeded' }, 'a')).toBe('Current');
    expect(revisionHealth({ digest: 'a', status: 'Failed' }, 'a')).toBe('Old');
    expect(revisionHealth({ digest: 'b', status: 'Succeeded' }, 'a')).toBe('Old');
    expect(isOutdated(undefined, 'a')).toBe(true);
    expect(isOutdated({ digest: 'a', status: 'Succeeded' }, 'a')).toBe(false);
  });
  it('sorts and filters revisions as ListApplicationRevisions does', () => {
    const revs = [
      { id: 1, registerTime: '2026-01-01T00:00:00Z', firstUsedTime: '2026-01-05T00:00:00Z', lastUsedTime: '2026-01-09T00:00:00Z' },
      { id: 2, registerTime: '2026-01-02T00:00:00Z' },
      { id: 3, registerTime: '2026-01-03T00:00:00Z', firstUsedTime: '2026-01-04T00:00:00Z', lastUsedTime: '2026-01-10T00:00:00Z' },
    ];
    expect(listRevisions(revs, {}).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(listRevisions(revs, { sortOrder: 'descending' }).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(listRevisions(revs, { sortBy: 'lastUsedTime', sortOrder: 'descending' }).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(listRevisions(revs, { sortBy: 'firstUsedTime' }).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(listRevisions(revs, { deployed: 'include' }).map((r) => r.id)).toEqual([1, 3]);
    expect(listRevisions(revs, { deployed: 'exclude' }).map((r) => r.id)).toEqual([2]);
  });
});

describe('watchdog isStalled', () => {
  const base: StallView = { running: true, closing: false, inFlight: 0, concurrency: 50, waiting: 3, headWaitingMs: 10_000, sinceProgressMs: 10_000, stallMs: 5_000 };
  it('a worker whose loop ended is stuck, unless it is closing', () => {
    expect(isStalled({ ...base, running: false, waiting: 0 })).toBe(true);
    expect(isStalled({ ...base, running: false, closing: true })).toBe(false);
  });
  it('waiting jobs that do not move, with free slots and no progress, mean stuck', () => {
    expect(isStalled(base)).toBe(true);
    expect(isStalled({ ...base, waiting: 0 })).toBe(false);
    expect(isStalled({ ...base, headWaitingMs: 1_000 })).toBe(false);
    expect(isStalled({ ...base, sinceProgressMs: 1_000 })).toBe(false);
    expect(isStalled({ ...base, inFlight: 50 })).toBe(false); // busy, not stuck
  });
});
