/**
 * Blue/green records and gates (shared/domain/blue-green.ts), and how an instance walks its
 * lifecycle through the gates (shared/domain/instance-steps.ts nextInstanceStep).
 */
import { describe, expect, it } from 'vitest';
import {
  BLUE_GREEN_PHASES,
  blueGreenLifecycle,
  gateFor,
  gateOpen,
  livePoolOf,
  MAX_ALARM_EVALUATIONS_KEPT,
  newBlueGreenState,
  nextBlueGreen,
  otherPool,
  readyWaitMs,
  splitPools,
  terminates,
  terminationWaitMs,
  type AlarmEvaluationRecord,
  type BlueGreenDeploymentConfiguration,
  type BlueGreenPhase,
  type InstanceLabel,
} from '../../shared/domain/blue-green.js';
import { nextInstanceStep } from '../../shared/domain/instance-steps.js';
import type { LifecycleEventName } from '../../shared/domain/lifecycle.js';
import type { LifecycleEventStatus } from '../../shared/domain/statuses.js';
import type { LifecycleEvent } from '../../shared/domain/types.js';

const INSTALL: LifecycleEventName[] = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
const ALLOW: LifecycleEventName[] = ['BeforeAllowTraffic', 'AllowTraffic'];
const BLOCK: LifecycleEventName[] = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];

const config: BlueGreenDeploymentConfiguration = {
  pools: [
    { poolName: 'blue', tagFilters: [{ key: 'pool', value: 'blue', type: 'KEY_AND_VALUE' }] },
    { poolName: 'green', tagFilters: [{ key: 'pool', value: 'green', type: 'KEY_AND_VALUE' }, { key: 'canary', type: 'KEY_ONLY' }] },
  ],
};

describe('blueGreenLifecycle', () => {
  it.each([
    ['Green, full deployment', 'Green', false, false, [...INSTALL, ...ALLOW, 'AfterAllowTraffic']],
    ['Green, full deployment with TERMINATE (Green is unaffected)', 'Green', false, true, [...INSTALL, ...ALLOW, 'AfterAllowTraffic']],
    ['Green, reroute-only rollback', 'Green', true, false, [...ALLOW, 'AfterAllowTraffic']],
    ['Green, reroute-only rollback with TERMINATE', 'Green', true, true, [...ALLOW, 'AfterAllowTraffic']],
    ['Blue, KEEP_ALIVE', 'Blue', false, false, BLOCK],
    ['Blue, TERMINATE', 'Blue', false, true, [...BLOCK, 'ApplicationStop']],
    ['Blue, reroute-only rollback with TERMINATE (never terminates)', 'Blue', true, true, BLOCK],
    ['Blue, reroute-only rollback', 'Blue', true, false, BLOCK],
  ] as const)('%s', (_name, label, rerouteOnly, terminate, expected) => {
    expect(blueGreenLifecycle(label, { rerouteOnly, terminate })).toEqual(expected);
  });

  it('returns a fresh list each time (callers may change it)', () => {
    const a = blueGreenLifecycle('Blue', { rerouteOnly: false, terminate: false });
    a.push('Install');
    expect(blueGreenLifecycle('Blue', { rerouteOnly: false, terminate: false })).toEqual(BLOCK);
  });
});

describe('gateOpen', () => {
  const phasesFrom = (first: BlueGreenPhase) => BLUE_GREEN_PHASES.slice(BLUE_GREEN_PHASES.indexOf(first));
  const rule: Array<[string, InstanceLabel, readonly LifecycleEventName[], readonly BlueGreenPhase[]]> = [
    ['Green install events only in Installing', 'Green', INSTALL, ['Installing']],
    ['Green BeforeAllowTraffic/AllowTraffic from AllowingTraffic on', 'Green', ALLOW, phasesFrom('AllowingTraffic')],
    ['Green AfterAllowTraffic from AfterAllowTraffic on', 'Green', ['AfterAllowTraffic'], phasesFrom('AfterAllowTraffic')],
    ['Blue block events from BlockingTraffic on', 'Blue', BLOCK, phasesFrom('BlockingTraffic')],
    ['Blue ApplicationStop (the termination) only in Terminating', 'Blue', ['ApplicationStop'], ['Terminating']],
  ];
  const table = rule.flatMap(([why, label, events, open]) =>
    BLUE_GREEN_PHASES.flatMap((phase) => events.map((event) => [why, phase, label, event, open.includes(phase)] as const)),
  );

  it.each(table)('%s: %s, %s %s → %s', (_why, phase, label, event, open) => {
    expect(gateOpen(phase, label, event)).toBe(open);
  });

  it('covers every phase in order', () => {
    expect(BLUE_GREEN_PHASES).toEqual(['Installing', 'Ready', 'AllowingTraffic', 'Shifting', 'AfterAllowTraffic', 'BlockingTraffic', 'TerminationWait', 'Terminating']);
  });

  it('Ready keeps every Green event shut (the instances wait for ContinueDeployment)', () => {
    for (const event of [...INSTALL, ...ALLOW, 'AfterAllowTraffic'] as const) expect(gateOpen('Ready', 'Green', event)).toBe(false);
  });

  it('Shifting lets no Green AfterAllowTraffic run before the last step', () => {
    expect(gateOpen('Shifting', 'Green', 'AfterAllowTraffic')).toBe(false);
    expect(gateOpen('Shifting', 'Green', 'AllowTraffic')).toBe(true);
  });
});

describe('gateFor', () => {
  const every = [...BLOCK, ...INSTALL, ...ALLOW, 'AfterAllowTraffic'] as const;

  it('is always open without a blue/green record (in place)', () => {
    const gate = gateFor(undefined, 'Green');
    for (const event of every) expect(gate(event)).toBe(true);
  });

  it('is always open for a target without a label', () => {
    const gate = gateFor({ phase: 'Installing' }, undefined);
    for (const event of every) expect(gate(event)).toBe(true);
  });

  it('follows gateOpen for the phase and label', () => {
    const green = gateFor({ phase: 'AllowingTraffic' }, 'Green');
    expect(green('Install')).toBe(false);
    expect(green('AllowTraffic')).toBe(true);
    expect(green('AfterAllowTraffic')).toBe(false);
    const blue = gateFor({ phase: 'TerminationWait' }, 'Blue');
    expect(blue('BlockTraffic')).toBe(true);
    expect(blue('ApplicationStop')).toBe(false);
  });
});

describe('splitPools', () => {
  const host = (instanceName: string, tags: Record<string, string>) => ({ instanceName, tags });
  const hosts = [
    host('b1', { pool: 'blue' }),
    host('g1', { pool: 'green' }),
    host('b2', { pool: 'blue', env: 'prod' }),
    host('g2', { canary: 'yes' }),
    host('lost', { pool: 'red' }),
    host('twice', { pool: 'blue', canary: '' }),
    host('bare', {}),
  ];

  it('puts the live pool in original and the other in replacement; neither/both are problems', () => {
    const split = splitPools(hosts, config, 'blue');
    expect(split.original.map((h) => h.instanceName)).toEqual(['b1', 'b2']);
    expect(split.replacement.map((h) => h.instanceName)).toEqual(['g1', 'g2']);
    expect(split.problems).toEqual(['lost is in neither pool', 'twice is in both pools', 'bare is in neither pool']);
  });

  it('swaps when the other pool is live', () => {
    const split = splitPools(hosts, config, 'green');
    expect(split.original.map((h) => h.instanceName)).toEqual(['g1', 'g2']);
    expect(split.replacement.map((h) => h.instanceName)).toEqual(['b1', 'b2']);
  });

  it('keeps the instances themselves', () => {
    const split = splitPools([hosts[0]], config, 'blue');
    expect(split.original[0]).toBe(hosts[0]);
    expect(split).toEqual({ original: [hosts[0]], replacement: [], problems: [] });
  });

  it('an empty group splits into two empty pools', () => {
    expect(splitPools([], config, 'blue')).toEqual({ original: [], replacement: [], problems: [] });
  });
});

describe('livePoolOf and otherPool', () => {
  it.each([
    ['nothing recorded: the first pool listed', undefined, 'blue'],
    ['the recorded pool', 'green', 'green'],
    ['the recorded first pool', 'blue', 'blue'],
    ['a recorded pool that no longer exists: the first', 'purple', 'blue'],
    ['an empty record: the first', '', 'blue'],
  ])('%s', (_name, recorded, live) => {
    expect(livePoolOf(config, recorded)).toBe(live);
  });

  it('otherPool names the other one', () => {
    expect(otherPool(config, 'blue')).toBe('green');
    expect(otherPool(config, 'green')).toBe('blue');
  });
});

describe('wait times', () => {
  it.each([
    ['no option', undefined, undefined],
    ['CONTINUE_DEPLOYMENT', { actionOnTimeout: 'CONTINUE_DEPLOYMENT' as const, waitTimeInMinutes: 10 }, undefined],
    ['STOP_DEPLOYMENT 10 minutes', { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 10 }, 600_000],
    ['STOP_DEPLOYMENT 45 seconds', { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInSeconds: 45 }, 45_000],
    ['STOP_DEPLOYMENT with both: seconds win', { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 10, waitTimeInSeconds: 45 }, 45_000],
    ['STOP_DEPLOYMENT without a time', { actionOnTimeout: 'STOP_DEPLOYMENT' as const }, 0],
  ])('readyWaitMs: %s → %s', (_name, option, ms) => {
    expect(readyWaitMs(option)).toBe(ms);
  });

  it.each([
    ['no option', undefined, 0],
    ['TERMINATE 5 minutes', { action: 'TERMINATE' as const, terminationWaitTimeInMinutes: 5 }, 300_000],
    ['TERMINATE 3 seconds', { action: 'TERMINATE' as const, terminationWaitTimeInSeconds: 3 }, 3_000],
    ['KEEP_ALIVE 60 minutes', { action: 'KEEP_ALIVE' as const, terminationWaitTimeInMinutes: 60 }, 3_600_000],
    ['TERMINATE without a time', { action: 'TERMINATE' as const }, 0],
  ])('terminationWaitMs: %s → %i', (_name, option, ms) => {
    expect(terminationWaitMs(option)).toBe(ms);
  });

  it('terminates only with TERMINATE', () => {
    expect(terminates(config)).toBe(false);
    expect(terminates({ ...config, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } })).toBe(false);
    expect(terminates({ ...config, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' } })).toBe(true);
  });
});

describe('newBlueGreenState and nextBlueGreen', () => {
  const canary = { type: 'TimeBasedCanary' as const, timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } };

  it('a deployment starts Installing with the config’s routing and no traffic moved', () => {
    expect(newBlueGreenState('blue', 'green', false, canary)).toEqual({
      version: 0,
      phase: 'Installing',
      originalPool: 'blue',
      replacementPool: 'green',
      rerouteOnly: false,
      routing: canary,
      percent: 0,
      history: [],
      alarmEvaluations: [],
      samples: [],
    });
  });

  it('a reroute-only rollback starts at AllowingTraffic and moves all at once', () => {
    const state = newBlueGreenState('green', 'blue', true, canary);
    expect(state.phase).toBe('AllowingTraffic');
    expect(state.routing).toEqual({ type: 'AllAtOnce' });
    expect(state.rerouteOnly).toBe(true);
  });

  it('bumps the version and applies the change without touching the old record', () => {
    const state = newBlueGreenState('blue', 'green', false, canary);
    const next = nextBlueGreen(state, { phase: 'Shifting', percent: 10 });
    expect(next).toMatchObject({ version: 1, phase: 'Shifting', percent: 10, originalPool: 'blue' });
    expect(state).toMatchObject({ version: 0, phase: 'Installing', percent: 0 });
    expect(nextBlueGreen(next, {}).version).toBe(2);
  });

  it('a change cannot set the version itself', () => {
    const state = { ...newBlueGreenState('blue', 'green', false, canary), version: 7 };
    expect(nextBlueGreen(state, { version: 1 }).version).toBe(8);
  });

  const evaluations = (n: number): AlarmEvaluationRecord[] =>
    Array.from({ length: n }, (_, i) => ({ at: new Date(i * 1000).toISOString(), alarmName: `a${i}`, state: 'OK', reason: 'fine' }));

  it.each([
    [0, 0, undefined],
    [MAX_ALARM_EVALUATIONS_KEPT, MAX_ALARM_EVALUATIONS_KEPT, 'a0'],
    [MAX_ALARM_EVALUATIONS_KEPT + 1, MAX_ALARM_EVALUATIONS_KEPT, 'a1'],
    [250, MAX_ALARM_EVALUATIONS_KEPT, 'a150'],
  ])('%i alarm evaluations keep %i, the newest (first kept %s)', (given, kept, first) => {
    const state = newBlueGreenState('blue', 'green', false, canary);
    const next = nextBlueGreen(state, { alarmEvaluations: evaluations(given) });
    expect(next.alarmEvaluations).toHaveLength(kept);
    expect(next.alarmEvaluations[0]?.alarmName).toBe(first);
    if (given > 0) expect(next.alarmEvaluations.at(-1)?.alarmName).toBe(`a${given - 1}`);
  });

  it('keeps at most 100 evaluations', () => {
    expect(MAX_ALARM_EVALUATIONS_KEPT).toBe(100);
  });
});

describe('nextInstanceStep through a blue/green gate', () => {
  /** The lifecycle with every event before `from` Succeeded and the rest Pending (or as overridden). */
  const events = (lifecycle: readonly LifecycleEventName[], from: LifecycleEventName | undefined, over: Partial<Record<LifecycleEventName, LifecycleEventStatus>> = {}): LifecycleEvent[] => {
    const start = from === undefined ? lifecycle.length : lifecycle.indexOf(from);
    return lifecycle.map((name, i) => ({ lifecycleEventName: name, status: over[name] ?? (i < start ? 'Succeeded' : 'Pending') }));
  };
  const greenFull = blueGreenLifecycle('Green', { rerouteOnly: false, terminate: false });
  const blueTerminate = blueGreenLifecycle('Blue', { rerouteOnly: false, terminate: true });
  const gate = (phase: BlueGreenPhase, label: InstanceLabel) => gateFor({ phase }, label);

  it.each([
    ['Green, Installing: the install batch stops before BeforeAllowTraffic', greenFull, 'ApplicationStop', 'Installing', 'Green', { kind: 'agent', events: INSTALL }],
    ['Green, Installing, install done: gated at BeforeAllowTraffic', greenFull, 'BeforeAllowTraffic', 'Installing', 'Green', { kind: 'gated', event: 'BeforeAllowTraffic' }],
    ['Green, Ready: still gated', greenFull, 'BeforeAllowTraffic', 'Ready', 'Green', { kind: 'gated', event: 'BeforeAllowTraffic' }],
    ['Green, AllowingTraffic: BeforeAllowTraffic alone (AllowTraffic is the control plane’s)', greenFull, 'BeforeAllowTraffic', 'AllowingTraffic', 'Green', { kind: 'agent', events: ['BeforeAllowTraffic'] }],
    ['Green, AllowingTraffic: then AllowTraffic', greenFull, 'AllowTraffic', 'AllowingTraffic', 'Green', { kind: 'traffic', event: 'AllowTraffic' }],
    ['Green, AllowingTraffic, allowed: gated at AfterAllowTraffic', greenFull, 'AfterAllowTraffic', 'AllowingTraffic', 'Green', { kind: 'gated', event: 'AfterAllowTraffic' }],
    ['Green, Shifting, allowed: still gated', greenFull, 'AfterAllowTraffic', 'Shifting', 'Green', { kind: 'gated', event: 'AfterAllowTraffic' }],
    ['Green, AfterAllowTraffic: runs it', greenFull, 'AfterAllowTraffic', 'AfterAllowTraffic', 'Green', { kind: 'agent', events: ['AfterAllowTraffic'] }],
    ['Green, all done', greenFull, undefined, 'AfterAllowTraffic', 'Green', { kind: 'finish', status: 'Succeeded' }],
    ['Blue, Shifting: gated at BeforeBlockTraffic', blueTerminate, 'BeforeBlockTraffic', 'Shifting', 'Blue', { kind: 'gated', event: 'BeforeBlockTraffic' }],
    ['Blue, BlockingTraffic: BeforeBlockTraffic alone (BlockTraffic is the control plane’s)', blueTerminate, 'BeforeBlockTraffic', 'BlockingTraffic', 'Blue', { kind: 'agent', events: ['BeforeBlockTraffic'] }],
    ['Blue, BlockingTraffic: then BlockTraffic', blueTerminate, 'BlockTraffic', 'BlockingTraffic', 'Blue', { kind: 'traffic', event: 'BlockTraffic' }],
    ['Blue, BlockingTraffic: AfterBlockTraffic stops before the gated ApplicationStop', blueTerminate, 'AfterBlockTraffic', 'BlockingTraffic', 'Blue', { kind: 'agent', events: ['AfterBlockTraffic'] }],
    ['Blue, TerminationWait: gated at ApplicationStop', blueTerminate, 'ApplicationStop', 'TerminationWait', 'Blue', { kind: 'gated', event: 'ApplicationStop' }],
    ['Blue, Terminating: ApplicationStop', blueTerminate, 'ApplicationStop', 'Terminating', 'Blue', { kind: 'agent', events: ['ApplicationStop'] }],
    ['Blue, Terminating, AfterBlockTraffic left: both in one command', blueTerminate, 'AfterBlockTraffic', 'Terminating', 'Blue', { kind: 'agent', events: ['AfterBlockTraffic', 'ApplicationStop'] }],
  ] as const)('%s', (_name, lifecycle, from, phase, label, step) => {
    expect(nextInstanceStep(events(lifecycle, from), gate(phase, label))).toEqual(step);
  });

  it('without a gate the same events batch on to the next traffic event', () => {
    expect(nextInstanceStep(events(greenFull, 'ApplicationStop'))).toEqual({ kind: 'agent', events: [...INSTALL, 'BeforeAllowTraffic'] });
  });

  it('a failure or a running event comes before the gate', () => {
    expect(nextInstanceStep(events(greenFull, 'BeforeAllowTraffic', { Install: 'Failed' }), gate('Installing', 'Green'))).toEqual({ kind: 'finish', status: 'Failed' });
    expect(nextInstanceStep(events(greenFull, 'AllowTraffic', { AllowTraffic: 'InProgress' }), gate('Installing', 'Green'))).toEqual({ kind: 'busy' });
  });
});
