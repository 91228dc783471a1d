/**
 * What the scheduler does next with a blue/green deployment (shared/domain/blue-green-phases.ts),
 * as a table: a phase, the instance targets as they stand, the time → one decision.
 */
import { describe, expect, it } from 'vitest';
import { afterInstall, decideBlueGreen, nothingInFlight, type BlueGreenDecision } from '../../shared/domain/blue-green-phases.js';
import {
  blueGreenLifecycle,
  newBlueGreenState,
  type BlueGreenDeploymentConfiguration,
  type BlueGreenPhase,
  type BlueGreenState,
  type InstanceLabel,
} from '../../shared/domain/blue-green.js';
import type { LifecycleEventName } from '../../shared/domain/lifecycle.js';
import type { LifecycleEventStatus, TargetStatus } from '../../shared/domain/statuses.js';
import { newTarget } from '../../shared/domain/target-updates.js';
import type { InstanceTarget } from '../../shared/domain/types.js';
import type { HealthPlan } from '../../shared/domain/window.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

// ---- fixtures -------------------------------------------------------------------------------

interface TargetShape {
  status: TargetStatus;
  /** Events before this one Succeeded, the rest Pending (undefined: all Succeeded). */
  from?: LifecycleEventName;
  events?: Partial<Record<LifecycleEventName, LifecycleEventStatus>>;
  commandId?: string;
}

function target(name: string, label: InstanceLabel, lifecycle: readonly LifecycleEventName[], shape: TargetShape): InstanceTarget {
  const base = newTarget('d-1', name, lifecycle, new Date(NOW - 60_000));
  const start = shape.from === undefined ? (shape.status === 'Pending' ? 0 : lifecycle.length) : lifecycle.indexOf(shape.from);
  return {
    ...base,
    status: shape.status,
    instanceLabel: label,
    ...(shape.commandId ? { commandId: shape.commandId } : {}),
    lifecycleEvents: base.lifecycleEvents.map((e, i) => ({ ...e, status: shape.events?.[e.lifecycleEventName] ?? (i < start ? 'Succeeded' : 'Pending') })),
  };
}

const GREEN = blueGreenLifecycle('Green', { rerouteOnly: false, terminate: false });
const GREEN_REROUTE = blueGreenLifecycle('Green', { rerouteOnly: true, terminate: false });
const BLUE_TERMINATE = blueGreenLifecycle('Blue', { rerouteOnly: false, terminate: true });
const BLUE_KEEP = blueGreenLifecycle('Blue', { rerouteOnly: false, terminate: false });

/** Replacement instances in the shapes a deployment sees them. */
const green = {
  pending: (n: string) => target(n, 'Green', GREEN, { status: 'Pending' }),
  installing: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress', from: 'Install', events: { Install: 'InProgress' }, commandId: `cmd-${n}` }),
  installFailed: (n: string) => target(n, 'Green', GREEN, { status: 'Failed', from: 'Install', events: { Install: 'Failed', AfterInstall: 'Skipped', ApplicationStart: 'Skipped', ValidateService: 'Skipped', BeforeAllowTraffic: 'Skipped', AllowTraffic: 'Skipped', AfterAllowTraffic: 'Skipped' } }),
  ready: (n: string) => target(n, 'Green', GREEN, { status: 'Ready', from: 'BeforeAllowTraffic' }),
  beforeAllow: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress', from: 'BeforeAllowTraffic', events: { BeforeAllowTraffic: 'InProgress' }, commandId: `cmd-${n}` }),
  allowing: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress', from: 'AllowTraffic', events: { AllowTraffic: 'InProgress' } }),
  /** AllowTraffic done; waiting at the AfterAllowTraffic gate. */
  allowed: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress', from: 'AfterAllowTraffic' }),
  allowFailed: (n: string) => target(n, 'Green', GREEN, { status: 'Failed', from: 'AllowTraffic', events: { AllowTraffic: 'Failed', AfterAllowTraffic: 'Skipped' } }),
  afterAllowRunning: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress', from: 'AfterAllowTraffic', events: { AfterAllowTraffic: 'InProgress' }, commandId: `cmd-${n}` }),
  /** Every event ended, the instance worker has not finished the target yet. */
  afterAllowEnded: (n: string) => target(n, 'Green', GREEN, { status: 'InProgress' }),
  afterAllowFailed: (n: string) => target(n, 'Green', GREEN, { status: 'Failed', from: 'AfterAllowTraffic', events: { AfterAllowTraffic: 'Failed' } }),
  succeeded: (n: string) => target(n, 'Green', GREEN, { status: 'Succeeded' }),
};

/** Original instances (TERMINATE lifecycle unless said). */
const blue = {
  pending: (n: string, lifecycle = BLUE_TERMINATE) => target(n, 'Blue', lifecycle, { status: 'Pending' }),
  blocking: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'InProgress', from: 'BlockTraffic', events: { BlockTraffic: 'InProgress' } }),
  afterBlockRunning: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'InProgress', from: 'AfterBlockTraffic', events: { AfterBlockTraffic: 'InProgress' }, commandId: `cmd-${n}` }),
  /** Blocked; waiting at the ApplicationStop gate. */
  blocked: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'InProgress', from: 'ApplicationStop' }),
  blockFailed: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'Failed', from: 'BlockTraffic', events: { BlockTraffic: 'Failed', AfterBlockTraffic: 'Skipped', ApplicationStop: 'Skipped' } }),
  blockUnknown: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'Unknown', from: 'BeforeBlockTraffic', events: { BeforeBlockTraffic: 'Unknown', BlockTraffic: 'Skipped', AfterBlockTraffic: 'Skipped', ApplicationStop: 'Skipped' } }),
  stopping: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'InProgress', from: 'ApplicationStop', events: { ApplicationStop: 'InProgress' }, commandId: `cmd-${n}` }),
  stopFailed: (n: string) => target(n, 'Blue', BLUE_TERMINATE, { status: 'Failed', from: 'ApplicationStop', events: { ApplicationStop: 'Failed' } }),
  succeeded: (n: string, lifecycle = BLUE_TERMINATE) => target(n, 'Blue', lifecycle, { status: 'Succeeded' }),
};

const POOLS: BlueGreenDeploymentConfiguration['pools'] = [
  { poolName: 'blue', tagFilters: [{ key: 'pool', value: 'blue' }] },
  { poolName: 'green', tagFilters: [{ key: 'pool', value: 'green' }] },
];
const TERMINATE_30S: BlueGreenDeploymentConfiguration = { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInSeconds: 30 } };
const KEEP_ALIVE: BlueGreenDeploymentConfiguration = { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 5 } };
const NO_OPTIONS: BlueGreenDeploymentConfiguration = { pools: POOLS };

/** AllAtOnce over 3 replacement hosts: at least 1 must get through. */
const ALL_AT_ONCE_3: HealthPlan = { total: 3, minHealthy: 0, windowSize: 3, oneAtATime: false };
/** HOST_COUNT 2 over 3 replacement hosts: at least 2 must get through. */
const TWO_OF_3: HealthPlan = { total: 3, minHealthy: 2, windowSize: 1, oneAtATime: false };

const canary = { type: 'TimeBasedCanary' as const, timeBasedCanary: { canaryPercentage: 10, canaryIntervalSeconds: 5 } };

function record(phase: BlueGreenPhase, over: Partial<BlueGreenState> = {}): BlueGreenState {
  return { ...newBlueGreenState('blue', 'green', false, canary), phase, ...over };
}

interface Row {
  phase: BlueGreenPhase;
  targets: InstanceTarget[];
  config?: BlueGreenDeploymentConfiguration;
  plan?: HealthPlan;
  record?: Partial<BlueGreenState>;
  nowMs?: number;
}

function decide(row: Row): BlueGreenDecision {
  return decideBlueGreen({
    record: record(row.phase, row.record),
    config: row.config ?? TERMINATE_30S,
    plan: row.plan ?? ALL_AT_ONCE_3,
    targets: row.targets,
    nowMs: row.nowMs ?? NOW,
  });
}

const someBlue = [blue.pending('b1'), blue.pending('b2')];

// ---- the table --------------------------------------------------------------------------------

describe('decideBlueGreen', () => {
  it('Installing: the in-place window decides', () => {
    expect(decide({ phase: 'Installing', targets: [green.installing('g1'), green.pending('g2'), ...someBlue] })).toEqual({ kind: 'install' });
  });

  describe('Ready', () => {
    const ready = [green.ready('g1'), green.ready('g2'), ...someBlue];
    it.each([
      ['waits until its deadline', NOW + 60_000, NOW, { kind: 'wait', wakeAt: iso(NOW + 60_000) }],
      ['waits one millisecond before it', NOW + 1, NOW, { kind: 'wait', wakeAt: iso(NOW + 1) }],
    ])('%s', (_name, deadline, now, expected) => {
      expect(decide({ phase: 'Ready', targets: ready, record: { readyDeadline: iso(deadline) }, nowMs: now })).toEqual(expected);
    });

    it('without a deadline waits for ContinueDeployment (no wake-up)', () => {
      expect(decide({ phase: 'Ready', targets: ready, nowMs: NOW + 10 * 86_400_000 })).toEqual({ kind: 'wait', wakeAt: undefined });
    });

    it.each([
      ['at the deadline', NOW],
      ['past the deadline', NOW - 1],
      ['long past the deadline', NOW - 86_400_000],
    ])('closes Stopped with TIMEOUT %s', (_name, deadline) => {
      const decision = decide({ phase: 'Ready', targets: ready, record: { readyDeadline: iso(deadline) } });
      expect(decision).toMatchObject({ kind: 'close', status: 'Stopped', error: { code: 'TIMEOUT' } });
      expect(decision.kind === 'close' && decision.error?.message).toMatch(/no ContinueDeployment came within the ready wait time; no traffic was moved/);
    });
  });

  describe('AllowingTraffic', () => {
    it.each<[string, Row, BlueGreenDecision]>([
      ['releases the Pending replacement instances (reroute-only: nothing installed)', { phase: 'AllowingTraffic', targets: [target('g1', 'Green', GREEN_REROUTE, { status: 'Pending' }), target('g2', 'Green', GREEN_REROUTE, { status: 'Pending' }), ...someBlue] }, { kind: 'release', instances: ['g1', 'g2'] }],
      ['releases Pending ones before resuming Ready ones', { phase: 'AllowingTraffic', targets: [green.ready('g1'), green.pending('g2')] }, { kind: 'release', instances: ['g2'] }],
      ['resumes the Ready replacement instances', { phase: 'AllowingTraffic', targets: [green.ready('g1'), green.ready('g2'), green.installFailed('g3'), ...someBlue] }, { kind: 'resume', instances: ['g1', 'g2'] }],
      ['resumes the Ready ones while another is already allowing', { phase: 'AllowingTraffic', targets: [green.allowing('g1'), green.ready('g2')] }, { kind: 'resume', instances: ['g2'] }],
      ['waits while one runs BeforeAllowTraffic', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.beforeAllow('g2'), green.allowed('g3')] }, { kind: 'wait' }],
      ['waits while one is still allowing', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowed('g2'), green.allowing('g3'), ...someBlue] }, { kind: 'wait' }],
      ['waits for the others even when enough are through', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowed('g2'), green.allowing('g3')], plan: TWO_OF_3 }, { kind: 'wait' }],
      ['enters Shifting when all are through', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowed('g2'), green.allowed('g3'), ...someBlue] }, { kind: 'enter', phase: 'Shifting', change: { shiftStartedAt: iso(NOW), nextStep: 0, nextStepDueAt: iso(NOW) } }],
      ['enters Shifting with failures when enough are through (AllAtOnce: 1)', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowFailed('g2'), green.installFailed('g3')] }, { kind: 'enter', phase: 'Shifting', change: { shiftStartedAt: iso(NOW), nextStep: 0, nextStepDueAt: iso(NOW) } }],
      ['enters Shifting with one failure of three when two must get through', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowed('g2'), green.allowFailed('g3')], plan: TWO_OF_3 }, { kind: 'enter', phase: 'Shifting', change: { shiftStartedAt: iso(NOW), nextStep: 0, nextStepDueAt: iso(NOW) } }],
    ])('%s', (_name, row, expected) => {
      expect(decide(row)).toEqual(expected);
    });

    it.each<[string, Row, string]>([
      ['two failed of three when two must get through', { phase: 'AllowingTraffic', targets: [green.allowed('g1'), green.allowFailed('g2'), green.allowFailed('g3')], plan: TWO_OF_3 }, 'Too few replacement instances took traffic from the load balancer: 1 of 3; at least 2 must.'],
      ['none through under AllAtOnce (at least 1 always)', { phase: 'AllowingTraffic', targets: [green.allowFailed('g1'), green.allowFailed('g2'), green.installFailed('g3')] }, 'Too few replacement instances took traffic from the load balancer: 0 of 3; at least 1 must.'],
    ])('closes Failed (HEALTH_CONSTRAINTS) with %s', (_name, row, message) => {
      expect(decide(row)).toEqual({ kind: 'close', status: 'Failed', error: { code: 'HEALTH_CONSTRAINTS', message } });
    });
  });

  it.each<[string, InstanceTarget[]]>([
    ['all allowed', [green.allowed('g1'), green.allowed('g2'), ...someBlue]],
    ['one failed', [green.allowed('g1'), green.allowFailed('g2')]],
  ])('Shifting waits for the traffic worker (%s)', (_name, targets) => {
    expect(decide({ phase: 'Shifting', targets, record: { nextStep: 1, nextStepDueAt: iso(NOW - 5_000) } })).toEqual({ kind: 'wait' });
  });

  describe('AfterAllowTraffic', () => {
    it.each<[string, Row, BlueGreenDecision]>([
      ['resumes the instances waiting at the gate', { phase: 'AfterAllowTraffic', targets: [green.allowed('g1'), green.allowed('g2'), green.allowFailed('g3'), ...someBlue] }, { kind: 'resume', instances: ['g1', 'g2'] }],
      ['resumes the gated ones while another runs', { phase: 'AfterAllowTraffic', targets: [green.afterAllowRunning('g1'), green.allowed('g2')] }, { kind: 'resume', instances: ['g2'] }],
      ['waits while AfterAllowTraffic runs', { phase: 'AfterAllowTraffic', targets: [green.afterAllowRunning('g1'), green.succeeded('g2')] }, { kind: 'wait' }],
      ['does not resume one whose events all ended; waits for it to finish', { phase: 'AfterAllowTraffic', targets: [green.afterAllowEnded('g1'), green.succeeded('g2')] }, { kind: 'wait' }],
      ['enters BlockingTraffic when all succeeded', { phase: 'AfterAllowTraffic', targets: [green.succeeded('g1'), green.succeeded('g2'), green.succeeded('g3'), ...someBlue] }, { kind: 'enter', phase: 'BlockingTraffic' }],
      ['enters BlockingTraffic when enough succeeded', { phase: 'AfterAllowTraffic', targets: [green.succeeded('g1'), green.succeeded('g2'), green.afterAllowFailed('g3')], plan: TWO_OF_3 }, { kind: 'enter', phase: 'BlockingTraffic' }],
    ])('%s', (_name, row, expected) => {
      expect(decide(row)).toEqual(expected);
    });

    it.each<[string, Row, string]>([
      ['AfterAllowTraffic failed on two of three, two needed', { phase: 'AfterAllowTraffic', targets: [green.succeeded('g1'), green.afterAllowFailed('g2'), green.afterAllowFailed('g3')], plan: TWO_OF_3 }, 'Too few replacement instances passed AfterAllowTraffic: 1 of 3; at least 2 must.'],
      ['every one failed', { phase: 'AfterAllowTraffic', targets: [green.afterAllowFailed('g1'), green.allowFailed('g2'), green.installFailed('g3')] }, 'Too few replacement instances passed AfterAllowTraffic: 0 of 3; at least 1 must.'],
    ])('closes Failed when %s', (_name, row, message) => {
      expect(decide(row)).toEqual({ kind: 'close', status: 'Failed', error: { code: 'HEALTH_CONSTRAINTS', message } });
    });
  });

  describe('BlockingTraffic', () => {
    const greens = [green.succeeded('g1'), green.succeeded('g2')];
    it.each<[string, Row, BlueGreenDecision]>([
      ['releases the original instances', { phase: 'BlockingTraffic', targets: [...greens, blue.pending('b1'), blue.pending('b2')] }, { kind: 'release', instances: ['b1', 'b2'] }],
      ['releases the Pending ones while others block', { phase: 'BlockingTraffic', targets: [...greens, blue.blocking('b1'), blue.pending('b2')] }, { kind: 'release', instances: ['b2'] }],
      ['waits while one is blocking', { phase: 'BlockingTraffic', targets: [...greens, blue.blocking('b1'), blue.blocked('b2')] }, { kind: 'wait' }],
      ['waits while AfterBlockTraffic runs', { phase: 'BlockingTraffic', targets: [...greens, blue.afterBlockRunning('b1'), blue.blocked('b2')] }, { kind: 'wait' }],
      ['waits for the others before failing on a broken one', { phase: 'BlockingTraffic', targets: [...greens, blue.blocking('b1'), blue.blockFailed('b2')] }, { kind: 'wait' }],
      ['KEEP_ALIVE: closes Succeeded once every original is blocked', { phase: 'BlockingTraffic', config: KEEP_ALIVE, targets: [...greens, blue.succeeded('b1', BLUE_KEEP), blue.succeeded('b2', BLUE_KEEP)] }, { kind: 'close', status: 'Succeeded' }],
      ['no termination option: closes Succeeded', { phase: 'BlockingTraffic', config: NO_OPTIONS, targets: [...greens, blue.succeeded('b1', BLUE_KEEP)] }, { kind: 'close', status: 'Succeeded' }],
      // Every event ended but the instance worker has not finished the target yet: a Succeeded deployment never shows an InProgress host.
      ['KEEP_ALIVE: waits for an original host whose events all ended but which is not finished yet', { phase: 'BlockingTraffic', config: KEEP_ALIVE, targets: [...greens, blue.succeeded('b1', BLUE_KEEP), target('b2', 'Blue', BLUE_KEEP, { status: 'InProgress' })] }, { kind: 'wait' }],
      ['reroute-only with TERMINATE: closes Succeeded (a rollback never terminates)', { phase: 'BlockingTraffic', record: { rerouteOnly: true }, targets: [...greens, blue.succeeded('b1', BLUE_KEEP)] }, { kind: 'close', status: 'Succeeded' }],
      ['an empty original pool, KEEP_ALIVE: closes Succeeded', { phase: 'BlockingTraffic', config: KEEP_ALIVE, targets: greens }, { kind: 'close', status: 'Succeeded' }],
      ['TERMINATE: enters TerminationWait with its due time', { phase: 'BlockingTraffic', targets: [...greens, blue.blocked('b1'), blue.blocked('b2')] }, { kind: 'enter', phase: 'TerminationWait', change: { terminationDueAt: iso(NOW + 30_000) }, wakeAt: iso(NOW + 30_000) }],
      ['TERMINATE in minutes', { phase: 'BlockingTraffic', config: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } }, targets: [...greens, blue.blocked('b1')] }, { kind: 'enter', phase: 'TerminationWait', change: { terminationDueAt: iso(NOW + 3_600_000) }, wakeAt: iso(NOW + 3_600_000) }],
      ['TERMINATE without a wait: due at once', { phase: 'BlockingTraffic', config: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' } }, targets: [...greens, blue.blocked('b1')] }, { kind: 'enter', phase: 'TerminationWait', change: { terminationDueAt: iso(NOW) }, wakeAt: iso(NOW) }],
    ])('%s', (_name, row, expected) => {
      expect(decide(row)).toEqual(expected);
    });

    it.each<[string, InstanceTarget[], string]>([
      ['a failed BlockTraffic', [blue.blocked('b1'), blue.blockFailed('b2')], 'b2'],
      ['an agent lost during BeforeBlockTraffic (Unknown)', [blue.blockUnknown('b1'), blue.blocked('b2')], 'b1'],
      ['two of them', [blue.blockFailed('b1'), blue.blocked('b2'), blue.blockUnknown('b3')], 'b1, b3'],
    ])('closes Failed on %s, naming the instances', (_name, blues, names) => {
      expect(decide({ phase: 'BlockingTraffic', targets: [...greens, ...blues] })).toEqual({
        kind: 'close',
        status: 'Failed',
        error: {
          code: 'HEALTH_CONSTRAINTS',
          message: `Blocking traffic to the original instances failed on ${names}; a blue/green deployment needs every original instance deregistered.`,
        },
      });
    });

    it('KEEP_ALIVE still fails on a broken original instance', () => {
      expect(decide({ phase: 'BlockingTraffic', config: KEEP_ALIVE, targets: [...greens, blue.blockFailed('b1')] })).toMatchObject({ kind: 'close', status: 'Failed' });
    });
  });

  describe('TerminationWait', () => {
    const targets = [green.succeeded('g1'), blue.blocked('b1')];
    it.each<[string, string | undefined, number, BlueGreenDecision]>([
      ['waits until the termination is due', iso(NOW + 20_000), NOW, { kind: 'wait', wakeAt: iso(NOW + 20_000) }],
      ['enters Terminating when due', iso(NOW), NOW, { kind: 'enter', phase: 'Terminating' }],
      ['enters Terminating when overdue', iso(NOW - 20_000), NOW, { kind: 'enter', phase: 'Terminating' }],
      ['enters Terminating without a due time', undefined, NOW, { kind: 'enter', phase: 'Terminating' }],
    ])('%s', (_name, due, now, expected) => {
      expect(decide({ phase: 'TerminationWait', targets, record: { terminationDueAt: due }, nowMs: now })).toEqual(expected);
    });
  });

  describe('Terminating', () => {
    const greens = [green.succeeded('g1'), green.succeeded('g2')];
    it.each<[string, InstanceTarget[], BlueGreenDecision]>([
      ['resumes the original instances waiting at ApplicationStop', [...greens, blue.blocked('b1'), blue.blocked('b2')], { kind: 'resume', instances: ['b1', 'b2'] }],
      ['resumes the gated one while another stops', [...greens, blue.stopping('b1'), blue.blocked('b2')], { kind: 'resume', instances: ['b2'] }],
      ['waits while ApplicationStop runs', [...greens, blue.stopping('b1'), blue.succeeded('b2')], { kind: 'wait' }],
      ['closes Succeeded when all stopped', [...greens, blue.succeeded('b1'), blue.succeeded('b2')], { kind: 'close', status: 'Succeeded' }],
      ['closes Succeeded even if ApplicationStop failed on one', [...greens, blue.stopFailed('b1'), blue.succeeded('b2')], { kind: 'close', status: 'Succeeded' }],
      ['closes Succeeded with no original instances', greens, { kind: 'close', status: 'Succeeded' }],
    ])('%s', (_name, targets, expected) => {
      expect(decide({ phase: 'Terminating', targets })).toEqual(expected);
    });
  });

  it('the Green failures of the install do not count against Blue, nor Blue against Green', () => {
    // A failed original instance is no replacement instance: AllowingTraffic only looks at Green.
    expect(decide({ phase: 'AllowingTraffic', targets: [green.allowed('g1'), blue.blockFailed('b1')] })).toMatchObject({ kind: 'enter', phase: 'Shifting' });
    // A failed replacement instance does not stop the termination.
    expect(decide({ phase: 'Terminating', targets: [green.allowFailed('g1'), green.succeeded('g2'), blue.succeeded('b1')] })).toEqual({ kind: 'close', status: 'Succeeded' });
  });
});

describe('afterInstall', () => {
  it.each<[string, BlueGreenDeploymentConfiguration, BlueGreenDecision]>([
    ['no ready option: on to traffic', NO_OPTIONS, { kind: 'enter', phase: 'AllowingTraffic' }],
    ['CONTINUE_DEPLOYMENT: on to traffic', { pools: POOLS, deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 30 } }, { kind: 'enter', phase: 'AllowingTraffic' }],
    [
      'STOP_DEPLOYMENT 60 minutes: Ready with a deadline',
      { pools: POOLS, deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } },
      { kind: 'enter', phase: 'Ready', status: 'Ready', change: { readyDeadline: iso(NOW + 3_600_000) }, wakeAt: iso(NOW + 3_600_000) },
    ],
    [
      'STOP_DEPLOYMENT 20 seconds: Ready with a deadline',
      { pools: POOLS, deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInSeconds: 20 } },
      { kind: 'enter', phase: 'Ready', status: 'Ready', change: { readyDeadline: iso(NOW + 20_000) }, wakeAt: iso(NOW + 20_000) },
    ],
  ])('%s', (_name, config, expected) => {
    expect(afterInstall(config, NOW)).toEqual(expected);
  });
});

describe('nothingInFlight', () => {
  it.each<[string, InstanceTarget[], boolean]>([
    ['no targets', [], true],
    ['Pending, Ready and finished targets', [green.pending('g1'), green.ready('g2'), green.succeeded('g3'), blue.blockFailed('b1')], true],
    ['an instance gated in progress (no command, no event running)', [green.allowed('g1'), blue.blocked('b1')], true],
    ['an open agent command', [green.ready('g1'), green.installing('g2')], false],
    ['a command id alone', [{ ...green.allowed('g1'), commandId: 'cmd-x' }], false],
    ['a traffic event running (no command: the control plane does it)', [green.allowed('g1'), green.allowing('g2')], false],
    ['a blocking original instance', [green.succeeded('g1'), blue.blocking('b1')], false],
  ])('%s → %s', (_name, targets, expected) => {
    expect(nothingInFlight(targets)).toBe(expected);
  });
});
