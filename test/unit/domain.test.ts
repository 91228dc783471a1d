import { describe, expect, it } from 'vitest';
import { isTargeted, matchesFilter } from '../../shared/domain/tag-filters.js';
import { nextInstanceStep } from '../../shared/domain/instance-steps.js';
import { applyEventChanges, failUnfinishedEvents, finishTarget, newTarget } from '../../shared/domain/target-updates.js';
import { canTransition, DEPLOYMENT_TRANSITIONS, LIFECYCLE_EVENT_TRANSITIONS } from '../../shared/domain/statuses.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import type { LifecycleEvent } from '../../shared/domain/types.js';

describe('tag filters', () => {
  const tags = { app: 'web', env: 'prod' };
  it('matches by key, value or both', () => {
    expect(matchesFilter(tags, { key: 'app', type: 'KEY_ONLY' })).toBe(true);
    expect(matchesFilter(tags, { value: 'prod', type: 'VALUE_ONLY' })).toBe(true);
    expect(matchesFilter(tags, { key: 'app', value: 'web' })).toBe(true);
    expect(matchesFilter(tags, { key: 'app', value: 'api' })).toBe(false);
  });
  it('a flat list is OR; a tag set is AND of ORs', () => {
    expect(isTargeted(tags, { instanceTagFilters: [{ key: 'app', value: 'api' }, { key: 'env', value: 'prod' }] })).toBe(true);
    expect(isTargeted(tags, { instanceTagSet: [[{ key: 'app', value: 'web' }], [{ key: 'env', value: 'dev' }]] })).toBe(false);
    expect(isTargeted(tags, { instanceTagSet: [[{ key: 'app', value: 'web' }], [{ key: 'env', value: 'dev' }, { key: 'env', value: 'prod' }]] })).toBe(true);
    expect(isTargeted(tags, {})).toBe(false);
  });
});

const events = (...statuses: LifecycleEvent['status'][]): LifecycleEvent[] =>
  lifecycleFor('IN_PLACE', false).map((lifecycleEventName, i) => ({ lifecycleEventName, status: statuses[i] ?? 'Pending' }));

describe('nextInstanceStep', () => {
  it('sends every consecutive script event to the agent as one command', () => {
    expect(nextInstanceStep(events())).toEqual({ kind: 'agent', events: [...lifecycleFor('IN_PLACE', false)] });
  });
  it('stops at a traffic event, which the control plane does', () => {
    const withLb: LifecycleEvent[] = lifecycleFor('IN_PLACE', true).map((lifecycleEventName) => ({ lifecycleEventName, status: 'Pending' }));
    expect(nextInstanceStep(withLb)).toEqual({ kind: 'agent', events: ['BeforeBlockTraffic'] });
    withLb[0].status = 'Succeeded';
    expect(nextInstanceStep(withLb)).toEqual({ kind: 'traffic', event: 'BlockTraffic' });
  });
  it('is busy while an event runs, finishes Failed after a failure and Succeeded when all ended well', () => {
    expect(nextInstanceStep(events('Succeeded', 'InProgress'))).toEqual({ kind: 'busy' });
    expect(nextInstanceStep(events('Succeeded', 'Failed'))).toEqual({ kind: 'finish', status: 'Failed' });
    expect(nextInstanceStep(events('Skipped', 'Succeeded', 'Skipped', 'Succeeded', 'Skipped', 'Succeeded', 'Succeeded'))).toEqual({
      kind: 'finish',
      status: 'Succeeded',
    });
  });
});

describe('target updates', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  it('moves events forward only, so a replayed report changes nothing', () => {
    const t0 = newTarget('d-AAAAAAAAA', 'host-1', lifecycleFor('IN_PLACE', false), now);
    const t1 = applyEventChanges(t0, [{ lifecycleEventName: 'ApplicationStop', status: 'Succeeded' }], now);
    expect(t1.lifecycleEvents[0].status).toBe('Succeeded');
    const replay = applyEventChanges(t1, [{ lifecycleEventName: 'ApplicationStop', status: 'InProgress' }], now);
    expect(replay).toBe(t1);
  });
  it('fails the running event and skips the rest when a command is given up on', () => {
    const t0 = newTarget('d-AAAAAAAAA', 'host-1', lifecycleFor('IN_PLACE', false), now);
    const running = applyEventChanges(t0, [{ lifecycleEventName: 'ApplicationStop', status: 'Succeeded' }, { lifecycleEventName: 'DownloadBundle', status: 'InProgress' }], now);
    const given = failUnfinishedEvents(running, lifecycleFor('IN_PLACE', false), { errorCode: 'UnknownError', scriptName: '', message: 'gone', logTail: '' }, now);
    expect(given.lifecycleEvents.map((e) => e.status)).toEqual(['Succeeded', 'Failed', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped']);
    expect(finishTarget(given, 'Failed', now).status).toBe('Failed');
  });
  it('refuses illegal transitions', () => {
    expect(canTransition(DEPLOYMENT_TRANSITIONS, 'Succeeded', 'InProgress')).toBe(false);
    expect(canTransition(DEPLOYMENT_TRANSITIONS, 'Queued', 'InProgress')).toBe(true);
    expect(canTransition(LIFECYCLE_EVENT_TRANSITIONS, 'Failed', 'Succeeded')).toBe(false);
  });
});
