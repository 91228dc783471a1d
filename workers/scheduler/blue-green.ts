/**
 * The scheduler's side of a blue/green deployment (see shared/domain/blue-green.ts for the model
 * and blue-green-phases.ts for the decisions). Like the rest of the scheduler, every step re-reads,
 * decides from what is stored, and writes with a compare-and-set; a lost race means "again".
 *
 *   start        split the group into the live (original) and idle (replacement) pools, snapshot
 *                both as targets (Blue/Green) with the blue/green record
 *   Installing   the in-place window over the replacement pool (the caller's decideAdvance path)
 *   later phases decideBlueGreen: release / resume instances, open the next phase, or close
 *   stop, fail   once nothing is in flight: unfinished instances end, traffic goes back to the
 *                original pool if any had moved, and the deployment closes
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import type { DeploymentConfig } from '../../shared/domain/deployment-configs.js';
import type { ErrorInformation, InstanceInfo, InstanceTarget } from '../../shared/domain/types.js';
import { ALL_AT_ONCE_ROUTING } from '../../shared/domain/traffic-routing.js';
import { planHealth } from '../../shared/domain/window.js';
import { planTraffic } from '../../shared/domain/load-balancer.js';
import { blueGreenLifecycle, livePoolOf, newBlueGreenState, nextBlueGreen, otherPool, splitPools, terminates, type BlueGreenState } from '../../shared/domain/blue-green.js';
import { afterInstall, decideBlueGreen, nothingInFlight, type BlueGreenDecision } from '../../shared/domain/blue-green-phases.js';
import { finishTarget, newTarget } from '../../shared/domain/target-updates.js';
import { isTargetDone } from '../../shared/domain/statuses.js';
import { updateTarget } from '../../shared/operations/update-target.js';
import { cancelOpenCommands } from '../../shared/operations/stop-deployment.js';
import { MANUAL_STOP_ERROR } from '../../shared/domain/stop.js';
import { canRestore, restoreOriginalTraffic } from '../traffic/restore.js';
import { SHIFT_LEAD_MS, ensureAlarmWatch } from '../traffic/shift.js';
import { releaseTargets, type SchedulerDeps } from './reconcile.js';
import { closeDeployment, endingOf } from './close.js';
import { wantsRollback } from '../../shared/domain/rollback.js';

type Outcome = 'settled' | 'again';

/** A weight step this late was lost, not delayed (steps normally run within milliseconds of their time). */
const OVERDUE_STEP_MS = 10_000;

const MISSING_CONFIGURATION = 'MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION';

/** Start: pools, targets and the record, in one write. `fail` closes it before it started. */
export async function startBlueGreen(
  deps: SchedulerDeps,
  state: DeploymentState,
  config: DeploymentConfig,
  instances: readonly InstanceInfo[],
  fail: (error: ErrorInformation) => Promise<Outcome>,
): Promise<Outcome> {
  const { spec } = state;
  const bg = spec.blueGreenDeploymentConfiguration;
  if (!bg || bg.pools.length !== 2) {
    return fail({ code: MISSING_CONFIGURATION, message: 'A BLUE_GREEN deployment group needs blueGreenDeploymentConfiguration with two pools.' });
  }
  if (spec.deploymentStyle.deploymentOption !== 'WITH_TRAFFIC_CONTROL' || !spec.loadBalancerInfo) {
    return fail({ code: 'MISSING_ELB_INFORMATION', message: 'A blue/green deployment moves traffic: the group needs WITH_TRAFFIC_CONTROL and loadBalancerInfo.' });
  }
  const live = livePoolOf(bg, (await deps.store.control.groupLast(spec.deploymentGroupId)).livePool);
  const rerouteOnly = spec.blueGreenReroute === true;
  // A reroute-only rollback gives the traffic back to the live pool, which still runs the last good revision.
  const replacementPool = rerouteOnly ? live : otherPool(bg, live);
  const originalPool = rerouteOnly ? otherPool(bg, live) : live;
  const split = splitPools(instances, bg, originalPool);
  if (split.problems.length > 0) {
    return fail({ code: MISSING_CONFIGURATION, message: `Every instance of a blue/green group must be in exactly one pool: ${split.problems.join('; ')}.` });
  }
  const health = planHealth(config.minimumHealthyHosts, split.replacement.length);
  if (!health.ok) {
    const message = split.replacement.length === 0 ? `The replacement pool ${replacementPool} has no registered instances.` : health.message;
    return fail({ code: health.code, message });
  }
  const traffic = planTraffic('WITH_TRAFFIC_CONTROL', spec.loadBalancerInfo, instances);
  if (!traffic.ok) return fail({ code: traffic.code, message: traffic.message });
  if (!traffic.withLoadBalancer) throw new Error('unreachable: WITH_TRAFFIC_CONTROL always plans a load balancer');

  const at = deps.now();
  const options = { rerouteOnly, terminate: terminates(bg) };
  const toTarget = (instance: InstanceInfo, label: 'Blue' | 'Green'): InstanceTarget => ({
    ...newTarget(spec.deploymentId, instance.instanceName, blueGreenLifecycle(label, options), at),
    trafficAddress: traffic.addresses.get(instance.instanceName),
    instanceLabel: label,
  });
  const green = split.replacement.map((i) => toTarget(i, 'Green'));
  const blue = split.original.map((i) => toTarget(i, 'Blue'));
  const record = newBlueGreenState(originalPool, replacementPool, rerouteOnly, config.trafficRoutingConfig ?? ALL_AT_ONCE_ROUTING);
  // Installing releases the replacement pool through the window; a reroute-only rollback releases it by phase.
  const started = await deps.store.deployments.start(spec.deploymentId, health.plan, [...green, ...blue], at, {
    waitingCount: rerouteOnly ? 0 : green.length,
    blueGreen: record,
  });
  if (!started) return 'again';
  await deps.store.catalog.markRevisionUsed(spec.applicationName, spec.revision.digest, at.toISOString());
  deps.log.info({ deploymentId: spec.deploymentId, originalPool, replacementPool, rerouteOnly, green: green.length, blue: blue.length }, 'blue/green deployment started');
  return 'again';
}

/**
 * One step after the install phase (or the install's end). `install` is the caller's in-place
 * advance, used while Installing.
 */
export async function advanceBlueGreen(deps: SchedulerDeps, state: DeploymentState, install: () => Promise<Outcome>): Promise<Outcome> {
  const record = state.blueGreen;
  const bg = state.spec.blueGreenDeploymentConfiguration;
  const plan = state.plan;
  if (!record || !bg || !plan) throw new Error(`deployment ${state.spec.deploymentId} is blue/green without its record`);
  const targets = await deps.store.deployments.listTargets(state.spec.deploymentId);
  if (state.stopping) return stopBlueGreen(deps, state, targets);

  const decision = decideBlueGreen({ record, config: bg, plan, targets, nowMs: deps.now().getTime() });
  if (decision.kind === 'install') return install();
  return carryOut(deps, state, record, decision);
}

/** The install phase is over and enough replacement instances are Ready: wait in Ready, or go on to traffic. */
export async function installDone(deps: SchedulerDeps, state: DeploymentState): Promise<Outcome> {
  const record = state.blueGreen;
  const bg = state.spec.blueGreenDeploymentConfiguration;
  if (!record || !bg) throw new Error(`deployment ${state.spec.deploymentId} is blue/green without its record`);
  return carryOut(deps, state, record, afterInstall(bg, deps.now().getTime()));
}

async function carryOut(deps: SchedulerDeps, state: DeploymentState, record: BlueGreenState, decision: BlueGreenDecision): Promise<Outcome> {
  const { deploymentId } = state.spec;
  switch (decision.kind) {
    case 'install':
      throw new Error('unreachable: the install phase is the caller’s');
    case 'wait':
      if (decision.wakeAt) await wakeAt(deps, deploymentId, record.phase, decision.wakeAt);
      await ensureAlarmWatch(deps, state);
      if (record.phase === 'Shifting' && record.nextStep !== undefined) {
        // Re-asserted on every look (the id makes it one job). A step long overdue lost its job (it
        // failed for good, say): ask for it again under a fresh id.
        const lateMs = deps.now().getTime() - Date.parse(record.nextStepDueAt ?? '');
        if (lateMs > OVERDUE_STEP_MS) await deps.queues.traffic.add('shift', { deploymentId }, { jobId: `shift.${deploymentId}.${record.nextStep}.late-${Math.floor(lateMs / OVERDUE_STEP_MS)}` });
        else await deps.queues.shiftStep(deploymentId, record.nextStep, -lateMs - SHIFT_LEAD_MS);
      }
      return 'settled';
    case 'enter': {
      const next = nextBlueGreen(record, { ...decision.change, phase: decision.phase });
      const ok = await deps.store.deployments.writeBlueGreen(deploymentId, record, next, {
        from: ['InProgress', 'Ready'],
        status: decision.status ?? 'InProgress',
        events: [{ type: 'BlueGreenPhase', deploymentId, phase: decision.phase, previousPhase: record.phase }],
      });
      if (!ok) return 'again';
      deps.log.info({ deploymentId, phase: decision.phase }, 'blue/green phase');
      if (decision.wakeAt) await wakeAt(deps, deploymentId, decision.phase, decision.wakeAt);
      if (decision.phase === 'Shifting') {
        await deps.queues.shiftStep(deploymentId, 0, 0);
        const alarms = state.spec.alarmConfiguration;
        if (alarms?.enabled && alarms.alarms.length > 0) await deps.queues.alarmCheck(deploymentId, 1, alarms.evaluationIntervalSeconds * 1000);
      }
      return 'again';
    }
    case 'release':
      return releaseTargets(deps, state, decision.instances);
    case 'resume': {
      const at = deps.now();
      for (const name of decision.instances) {
        // Ready → InProgress; an instance already InProgress at the gate just walks on.
        await updateTarget(deps.store, deploymentId, name, (t) =>
          t.status === 'Ready' ? { after: { ...t, status: 'InProgress', lastUpdatedAt: at.toISOString() } } : undefined,
        );
        await deps.queues.advanceInstance(deploymentId, name, `resume-${record.phase}`);
      }
      return 'settled';
    }
    case 'close':
      return finishBlueGreen(deps, state, decision.status, decision.error);
  }
}

/** Look again when a wait ends; the job id names the time in epoch ms (an ISO time's ':' has no place in a BullMQ id). */
function wakeAt(deps: SchedulerDeps, deploymentId: string, phase: string, at: string): Promise<void> {
  const atMs = Date.parse(at);
  return deps.queues.reconcileLater(deploymentId, `${phase}-${atMs}`, atMs - deps.now().getTime());
}

/** Stopping: cancel what runs; once nothing is in flight, end it Stopped (traffic back first). */
async function stopBlueGreen(deps: SchedulerDeps, state: DeploymentState, targets: readonly InstanceTarget[]): Promise<Outcome> {
  await cancelOpenCommands(deps.store, state.spec.deploymentId);
  if (!nothingInFlight(targets)) return 'settled';
  return finishBlueGreen(deps, state, 'Stopped', state.error ?? MANUAL_STOP_ERROR);
}

/**
 * Close a blue/green deployment. Not succeeding, it first puts the traffic back on the original
 * pool (if any had moved) and ends the instances that will not go on: Pending ones Skipped, those
 * waiting at a gate Failed (as an in-place stop ends the instances it interrupts). Each part is
 * idempotent, so a crash anywhere is repaired by running it again.
 */
export async function finishBlueGreen(deps: SchedulerDeps, state: DeploymentState, status: 'Succeeded' | 'Failed' | 'Stopped', error: ErrorInformation | undefined): Promise<Outcome> {
  const { deploymentId } = state.spec;
  const record = state.blueGreen;
  // Once BlockingTraffic has begun, the original pool is being taken out and the replacement serves
  // everything. Ending there, the replacement becomes the live pool — unless a rollback follows: its
  // reroute re-registers the original pool (the live one) and blocks the replacement.
  const rollbackFollows = wantsRollback(
    { creator: state.spec.creator, autoRollbackConfiguration: state.spec.autoRollbackConfiguration, stopRollback: state.stopRollback },
    endingOf(state, status, error),
  );
  const swapped =
    status === 'Succeeded' ||
    record?.phase === 'TerminationWait' ||
    record?.phase === 'Terminating' ||
    (record?.phase === 'BlockingTraffic' && !rollbackFollows);
  if (status !== 'Succeeded') {
    if (record && record.percent > 0 && canRestore(record.phase)) {
      if (!(await restoreOriginalTraffic(deps, state, status === 'Stopped' ? 'stop' : 'failure'))) return 'again';
    }
    const at = deps.now();
    let wrote = false;
    for (const target of await deps.store.deployments.listTargets(deploymentId)) {
      if (isTargetDone(target.status)) continue;
      const result = await updateTarget(deps.store, deploymentId, target.targetId, (t) =>
        isTargetDone(t.status) ? undefined : { after: finishTarget(t, t.status === 'Pending' ? 'Skipped' : 'Failed', at) },
      );
      wrote ||= result?.written === true;
    }
    if (wrote) return 'again';
  }
  return closeDeployment(deps, state, ['InProgress', 'Ready'], status, error, swapped && record ? record.replacementPool : undefined);
}
