/**
 * Blue/green deployments on plain hosts, as pure functions and records.
 *
 * A blue/green group has two pools of instances, each chosen by tag filters (within the group's
 * own filters). One pool is live (takes the traffic); the other is idle. A deployment installs
 * the new revision on the idle pool — the replacement, CodeDeploy's Green instances — while the
 * live pool — the original, Blue — keeps serving. Then traffic moves by the deployment config's
 * routing steps, and after the last step the original pool is blocked (and optionally its
 * application stopped: TERMINATE). When the deployment succeeds the pools swap roles.
 *
 * The deployment walks phases; each phase opens a part of the instances' lifecycles (a gate):
 *
 *   Installing        Green: ApplicationStop … ValidateService, under the minimum of healthy hosts → Ready
 *   Ready             waits for ContinueDeployment (STOP_DEPLOYMENT) or its wait time
 *   AllowingTraffic   Green: BeforeAllowTraffic, AllowTraffic (registered at weight 0, healthy)
 *   Shifting          the traffic worker moves weight step by step, watching the alarms
 *   AfterAllowTraffic Green: AfterAllowTraffic
 *   BlockingTraffic   Blue: BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic
 *   TerminationWait   waits terminationWaitTime (ContinueDeployment TERMINATION_WAIT skips it)
 *   Terminating       Blue: ApplicationStop (TERMINATE only) → the deployment Succeeds
 *
 * A rollback of a blue/green deployment that did not succeed is reroute-only, as CodeDeploy does
 * it: the original pool (still running the last good revision) is allowed traffic again and the
 * replacement pool is blocked; nothing is installed.
 */
import type { LifecycleEventName } from './lifecycle.js';
import { isTargeted, type TagFilter, type Tags } from './tag-filters.js';
import type { TrafficRoutingConfig } from './traffic-routing.js';

export interface BlueGreenPool {
  poolName: string;
  /** An instance of the group belongs to this pool when it matches any of these filters. */
  tagFilters: TagFilter[];
}

export interface DeploymentReadyOption {
  actionOnTimeout: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
  /** STOP_DEPLOYMENT: how long the deployment waits in Ready for ContinueDeployment before it is Stopped. */
  waitTimeInMinutes?: number;
  /** Cutover's extension for short runs (one of the two). */
  waitTimeInSeconds?: number;
}

export interface TerminateBlueInstancesOnDeploymentSuccess {
  /** TERMINATE: after the wait, run the original pool's ApplicationStop (its own revision's script) and leave it idle. KEEP_ALIVE: leave it running, idle. */
  action: 'TERMINATE' | 'KEEP_ALIVE';
  terminationWaitTimeInMinutes?: number;
  terminationWaitTimeInSeconds?: number;
}

export interface BlueGreenDeploymentConfiguration {
  /** Exactly two; the first is live before the group's first blue/green deployment. */
  pools: BlueGreenPool[];
  deploymentReadyOption?: DeploymentReadyOption;
  terminateBlueInstancesOnDeploymentSuccess?: TerminateBlueInstancesOnDeploymentSuccess;
}

/** CodeDeploy's TargetLabel: Blue = the original pool's instances, Green = the replacement's. */
export type InstanceLabel = 'Blue' | 'Green';

export const BLUE_GREEN_PHASES = [
  'Installing',
  'Ready',
  'AllowingTraffic',
  'Shifting',
  'AfterAllowTraffic',
  'BlockingTraffic',
  'TerminationWait',
  'Terminating',
] as const;
export type BlueGreenPhase = (typeof BLUE_GREEN_PHASES)[number];

/** One weight shift as it happened. */
export interface ShiftRecord {
  step: number;
  /** The replacement pool's share after the shift. */
  percent: number;
  weights: { replacement: number; original: number };
  scheduledAt: string;
  appliedAt: string;
  /** appliedAt − scheduledAt. */
  timingErrorMs: number;
  /** Why: a scheduled step, or traffic put back on the original pool. */
  reason: 'step' | 'alarm' | 'stop' | 'failure';
}

export interface AlarmEvaluationRecord {
  at: string;
  alarmName: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'POLL_FAILED';
  reason: string;
}

/** A counters reading of the replacement pool, kept so an error rate can be computed over a window. */
export interface CounterSample {
  atMs: number;
  requests: number;
  failures: number;
}

/** What a blue/green deployment records about itself (on the deployment, so no worker keeps it in memory). */
export interface BlueGreenState {
  /** Bumped by every write (compare-and-set). */
  version: number;
  phase: BlueGreenPhase;
  originalPool: string;
  replacementPool: string;
  /** A rollback that only moves traffic back to the pool still running the last good revision. */
  rerouteOnly: boolean;
  /** The deployment config's routing, fixed at start (a reroute-only rollback moves all at once). */
  routing: TrafficRoutingConfig;
  /** Ready: when the wait ends (STOP_DEPLOYMENT). */
  readyDeadline?: string;
  /** The replacement pool's current share (percent) and the per-host weights giving it. */
  percent: number;
  weights?: { replacement: number; original: number };
  /** Shifting: the index (into the schedule) of the next step, and when it is due. */
  nextStep?: number;
  nextStepDueAt?: string;
  shiftStartedAt?: string;
  history: ShiftRecord[];
  alarmEvaluations: AlarmEvaluationRecord[];
  samples: CounterSample[];
  terminationDueAt?: string;
}

export const MAX_ALARM_EVALUATIONS_KEPT = 100;

function waitMs(minutes: number | undefined, seconds: number | undefined): number {
  return seconds !== undefined ? seconds * 1000 : (minutes ?? 0) * 60_000;
}

export function readyWaitMs(option: DeploymentReadyOption | undefined): number | undefined {
  if (!option || option.actionOnTimeout !== 'STOP_DEPLOYMENT') return undefined;
  return waitMs(option.waitTimeInMinutes, option.waitTimeInSeconds);
}

export function terminationWaitMs(option: TerminateBlueInstancesOnDeploymentSuccess | undefined): number {
  return waitMs(option?.terminationWaitTimeInMinutes, option?.terminationWaitTimeInSeconds);
}

export function terminates(config: BlueGreenDeploymentConfiguration): boolean {
  return config.terminateBlueInstancesOnDeploymentSuccess?.action === 'TERMINATE';
}

const INSTALL: readonly LifecycleEventName[] = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
const ALLOW: readonly LifecycleEventName[] = ['BeforeAllowTraffic', 'AllowTraffic'];
const AFTER_ALLOW: readonly LifecycleEventName[] = ['AfterAllowTraffic'];
const BLOCK: readonly LifecycleEventName[] = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];
/** TERMINATE on an on-premises host: its own (last successful) revision's ApplicationStop. */
const TERMINATE: readonly LifecycleEventName[] = ['ApplicationStop'];

/** The events one instance walks in a blue/green deployment. */
export function blueGreenLifecycle(label: InstanceLabel, options: { rerouteOnly: boolean; terminate: boolean }): LifecycleEventName[] {
  if (label === 'Green') return [...(options.rerouteOnly ? [] : INSTALL), ...ALLOW, ...AFTER_ALLOW];
  return [...BLOCK, ...(options.terminate && !options.rerouteOnly ? TERMINATE : [])];
}

/**
 * Whether the deployment's phase lets an instance start `event` (the first of its next step).
 * Blue's ApplicationStop is the termination; Green's ApplicationStop is part of the install.
 */
export function gateOpen(phase: BlueGreenPhase, label: InstanceLabel, event: LifecycleEventName): boolean {
  const at = BLUE_GREEN_PHASES.indexOf(phase);
  const from = (p: BlueGreenPhase) => at >= BLUE_GREEN_PHASES.indexOf(p);
  if (label === 'Green') {
    if (INSTALL.includes(event)) return phase === 'Installing';
    if (ALLOW.includes(event)) return from('AllowingTraffic');
    return from('AfterAllowTraffic');
  }
  if (BLOCK.includes(event)) return from('BlockingTraffic');
  return phase === 'Terminating';
}

/** The gate for one target of a deployment: in place (no record, no label) everything is open. */
export function gateFor(state: Pick<BlueGreenState, 'phase'> | undefined, label: InstanceLabel | undefined): (event: LifecycleEventName) => boolean {
  if (!state || !label) return () => true;
  return (event) => gateOpen(state.phase, label, event);
}

export interface PoolSplit<T> {
  original: T[];
  replacement: T[];
  /** Instances in the group that match neither pool, or both. */
  problems: string[];
}

/** Sort the group's instances into the original (live) and replacement (idle) pools. */
export function splitPools<T extends { instanceName: string; tags: Tags }>(
  instances: readonly T[],
  config: BlueGreenDeploymentConfiguration,
  livePool: string,
): PoolSplit<T> {
  const original: T[] = [];
  const replacement: T[] = [];
  const problems: string[] = [];
  for (const instance of instances) {
    const pools = config.pools.filter((p) => isTargeted(instance.tags, { instanceTagFilters: p.tagFilters }));
    if (pools.length !== 1) {
      problems.push(`${instance.instanceName} is in ${pools.length === 0 ? 'neither pool' : 'both pools'}`);
      continue;
    }
    (pools[0].poolName === livePool ? original : replacement).push(instance);
  }
  return { original, replacement, problems };
}

/** The live pool before any blue/green deployment succeeded on the group: the first one listed. */
export function livePoolOf(config: BlueGreenDeploymentConfiguration, recorded: string | undefined): string {
  return recorded && config.pools.some((p) => p.poolName === recorded) ? recorded : config.pools[0].poolName;
}

export function otherPool(config: BlueGreenDeploymentConfiguration, pool: string): string {
  return config.pools.find((p) => p.poolName !== pool)?.poolName ?? pool;
}

export function newBlueGreenState(originalPool: string, replacementPool: string, rerouteOnly: boolean, routing: TrafficRoutingConfig): BlueGreenState {
  return {
    version: 0,
    phase: rerouteOnly ? 'AllowingTraffic' : 'Installing',
    originalPool,
    replacementPool,
    rerouteOnly,
    routing: rerouteOnly ? { type: 'AllAtOnce' } : routing,
    percent: 0,
    history: [],
    alarmEvaluations: [],
    samples: [],
  };
}

/** A state change: the next version, with a capped evaluation list. */
export function nextBlueGreen(state: BlueGreenState, change: Partial<BlueGreenState>): BlueGreenState {
  const next = { ...state, ...change, version: state.version + 1 };
  if (next.alarmEvaluations.length > MAX_ALARM_EVALUATIONS_KEPT) next.alarmEvaluations = next.alarmEvaluations.slice(-MAX_ALARM_EVALUATIONS_KEPT);
  return next;
}
