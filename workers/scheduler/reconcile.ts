/**
 * The scheduler's reconcile: re-read one deployment, take the next step, persist it, enqueue
 * what follows. Level-triggered and idempotent: running it twice, or after a crash at any line,
 * does no harm, because every write is guarded by the state it expects and a lost race simply
 * means "read again and decide again".
 *
 *   Created/Queued → take the group's slot (or wait Queued) → resolve targets → InProgress
 *   InProgress     → decideAdvance: release hosts | wait | fail (skip waiting) | close
 *                    (stopping: cancel running hooks, close Stopped when nothing is in flight: ./stop.ts)
 *                    blue/green: the same window over the replacement pool while it installs, then
 *                    the phases of ./blue-green.ts (Ready waits there too)
 *   terminal       → settle its automatic rollback if one is pending (./rollback.ts), then make
 *                    sure the group's slot went to the next queued deployment
 */
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../shared/store/index.js';
import type { DeploymentState, Release } from '../../shared/store/deployments.js';
import type { Queues } from '../../shared/queues.js';
import type { Config } from '../../shared/config.js';
import { isDeploymentTerminal } from '../../shared/domain/statuses.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { planTraffic } from '../../shared/domain/load-balancer.js';
import { decideAdvance, planHealth } from '../../shared/domain/window.js';
import { targetedInstances } from '../../shared/domain/instance-ownership.js';
import { accountOf } from '../../shared/domain/access.js';
import { nextInstanceStep } from '../../shared/domain/instance-steps.js';
import { gateFor } from '../../shared/domain/blue-green.js';
import { newTarget, skipTarget } from '../../shared/domain/target-updates.js';
import type { ErrorInformation, InstanceTarget } from '../../shared/domain/types.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { closeDeployment } from './close.js';
import { settleRollback } from './rollback.js';
import { advanceStopping } from './stop.js';
import { nothingOutdatedError, selectOutdated } from './outdated.js';
import { advanceBlueGreen, finishBlueGreen, installDone, startBlueGreen } from './blue-green.js';
import type { FleetCounts } from '../../shared/domain/window.js';

export interface SchedulerDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  now: () => Date;
}

type StepOutcome = 'settled' | 'again';

const MAX_STEPS = 100;
const MAX_HOSTS_NAMED = 20;
/**
 * Hosts released per step: an AllAtOnce window over thousands of hosts goes out in several
 * release scripts, one step each, rather than one (its targets, commands and script arguments all
 * held at once were a peak of the control plane's heap; docs/BENCHMARKS.md, fleet memory).
 */
const RELEASE_BATCH = 500;

export async function reconcileDeployment(deps: SchedulerDeps, deploymentId: string): Promise<void> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const state = await deps.store.deployments.get(deploymentId);
    if (!state) return;
    if ((await stepOnce(deps, state)) === 'settled') return;
  }
  throw new Error(`deployment ${deploymentId} did not settle after ${MAX_STEPS} steps`);
}

async function stepOnce(deps: SchedulerDeps, state: DeploymentState): Promise<StepOutcome> {
  if (isDeploymentTerminal(state.status)) return handOverGroup(deps, state);
  switch (state.status) {
    case 'Created':
    case 'Queued':
      return startWhenGroupIsFree(deps, state);
    case 'InProgress':
    case 'Ready':
      return state.blueGreen ? advanceBlueGreen(deps, state, () => advanceReplacementInstall(deps, state)) : advance(deps, state);
    default:
      return 'settled';
  }
}

async function startWhenGroupIsFree(deps: SchedulerDeps, state: DeploymentState): Promise<StepOutcome> {
  const { store, now } = deps;
  const { spec } = state;
  const claim = await store.deployments.claimGroup(spec.deploymentId, spec.deploymentGroupId);
  if (claim === 'queued') return 'settled';
  if (claim === 'gone') return 'again';

  const config = await store.catalog.getDeploymentConfig(spec.deploymentConfigName);
  if (!config) {
    return closeEarly(deps, state, { code: 'INTERNAL_ERROR', message: `Deployment config ${spec.deploymentConfigName} no longer exists.` });
  }
  // Only the owning account's hosts, whatever their tags: a deployment made through a grant still
  // targets the group owner's instances, never the deployer's.
  const targeted = targetedInstances(await store.instances.list(), spec, accountOf(spec));
  if (spec.deploymentStyle.deploymentType === 'BLUE_GREEN') return startBlueGreen(deps, state, config, targeted, (error) => closeEarly(deps, state, error));
  const { instances, current } = await selectOutdated(store, spec, targeted);
  const health = planHealth(config.minimumHealthyHosts, instances.length);
  if (!health.ok) {
    return closeEarly(deps, state, instances.length === 0 && current > 0 ? nothingOutdatedError(spec, current) : { code: health.code, message: health.message });
  }
  // With a load balancer every instance needs a target address: a missing one fails now, not halfway.
  const traffic = planTraffic(spec.deploymentStyle.deploymentOption, spec.loadBalancerInfo, instances);
  if (!traffic.ok) return closeEarly(deps, state, { code: traffic.code, message: traffic.message });

  const at = now();
  const lifecycle = lifecycleFor(spec.deploymentStyle.deploymentType, traffic.withLoadBalancer);
  const targets = instances.map((i) => {
    const target = newTarget(spec.deploymentId, i.instanceName, lifecycle, at);
    return traffic.withLoadBalancer ? { ...target, trafficAddress: traffic.addresses.get(i.instanceName) } : target;
  });
  if (!(await store.deployments.start(spec.deploymentId, health.plan, targets, at))) return 'again';
  await store.catalog.markRevisionUsed(spec.applicationName, spec.revision.digest, at.toISOString());
  deps.log.info({ deploymentId: spec.deploymentId, instances: targets.length, plan: health.plan }, 'deployment started');
  return 'again';
}

async function closeEarly(deps: SchedulerDeps, state: DeploymentState, error: ErrorInformation): Promise<StepOutcome> {
  const closed = await deps.store.deployments.close(state, ['Created', 'Queued'], undefined, 'Failed', error, deps.now());
  if (closed.result === 'conflict') return 'again';
  deps.log.info({ deploymentId: state.spec.deploymentId, error }, 'deployment failed before it started');
  if (closed.nextDeploymentId) await deps.queues.reconcile(closed.nextDeploymentId);
  return 'settled';
}

async function advance(deps: SchedulerDeps, state: DeploymentState): Promise<StepOutcome> {
  if (state.stopping) return advanceStopping(deps, state);
  const o = state.overview;
  const counts = { pending: o.Pending, inProgress: o.InProgress, succeeded: o.Succeeded, failed: o.Failed, skipped: o.Skipped };
  return advanceWindow(deps, state, counts, (status, error) => closeDeployment(deps, state, ['InProgress'], status, error));
}

/**
 * A blue/green deployment's install phase: the same window over the replacement pool, counted
 * from its targets (Ready counts as done and healthy); at its end the phases take over.
 */
async function advanceReplacementInstall(deps: SchedulerDeps, state: DeploymentState): Promise<StepOutcome> {
  const green = (await deps.store.deployments.listTargets(state.spec.deploymentId)).filter((t) => t.instanceLabel === 'Green');
  const count = (...statuses: string[]) => green.filter((t) => statuses.includes(t.status)).length;
  const counts = { pending: count('Pending'), inProgress: count('InProgress'), succeeded: count('Ready', 'Succeeded'), failed: count('Failed', 'Unknown'), skipped: count('Skipped') };
  return advanceWindow(deps, state, counts, (status, error) => (status === 'Succeeded' ? installDone(deps, state) : finishBlueGreen(deps, state, status, error)));
}

async function advanceWindow(
  deps: SchedulerDeps,
  state: DeploymentState,
  counts: FleetCounts,
  complete: (status: 'Succeeded' | 'Failed', error: ErrorInformation | undefined) => Promise<StepOutcome>,
): Promise<StepOutcome> {
  const { store } = deps;
  const plan = state.plan;
  if (!plan) throw new Error(`deployment ${state.spec.deploymentId} is InProgress without a health plan`);
  const decision = decideAdvance(plan, counts, state.failing);
  switch (decision.kind) {
    case 'wait':
      return 'settled';
    case 'release':
      return release(deps, state, decision.count);
    case 'fail': {
      const error = await failureError(deps, state, decision.message);
      const waiting = await store.deployments.waitingAll(state.spec.deploymentId);
      const skipped = await store.deployments.getTargets(state.spec.deploymentId, waiting);
      const at = deps.now();
      const ok = await store.deployments.skipWaiting(state.spec.deploymentId, state.rev, skipped.map((t) => skipTarget(t, at)), error);
      if (ok) deps.log.info({ deploymentId: state.spec.deploymentId, error, skipped: skipped.length }, 'deployment failing');
      return 'again';
    }
    case 'complete': {
      const error =
        decision.status === 'Failed' ? (state.error ?? (await failureError(deps, state, decision.message ?? 'The deployment failed.'))) : undefined;
      return complete(decision.status, error);
    }
  }
}

async function release(deps: SchedulerDeps, state: DeploymentState, count: number): Promise<StepOutcome> {
  const batch = Math.min(count, RELEASE_BATCH);
  const outcome = await releaseTargets(deps, state, await deps.store.deployments.waitingHead(state.spec.deploymentId, batch));
  // More of the window to release: the next step re-reads the deployment and releases the next batch.
  return outcome === 'settled' && batch < count ? 'again' : outcome;
}

/**
 * Pending → InProgress with each instance's first agent command, in one script. The names are the
 * head of the waiting list (the window), or — blue/green — instances a phase starts, which are
 * never on the list.
 */
export async function releaseTargets(deps: SchedulerDeps, state: DeploymentState, names: readonly string[]): Promise<StepOutcome> {
  const { spec } = state;
  const targets = await deps.store.deployments.getTargets(spec.deploymentId, names);
  const at = deps.now();
  const releases: Release[] = targets.map((target) => {
    const step = nextInstanceStep(target.lifecycleEvents, gateFor(state.blueGreen, target.instanceLabel));
    if (step.kind !== 'agent') throw new Error(`instance ${target.targetId} cannot start with a ${step.kind} step`);
    const command = buildCommand(spec, target.targetId, step.events, at, deps.config.commandGraceMs);
    const released: InstanceTarget = { ...target, status: 'InProgress', commandId: command.command.commandId, lastUpdatedAt: at.toISOString(), version: target.version + 1 };
    return { target: released, command };
  });
  const ok = await deps.store.deployments.release(spec.deploymentId, state.rev, releases);
  if (ok) deps.log.debug({ deploymentId: spec.deploymentId, released: names }, 'instances released');
  return ok ? 'settled' : 'again';
}

/** HEALTH_CONSTRAINTS, or AGENT_ISSUE when it was silent agents that broke the minimum. */
async function failureError(deps: SchedulerDeps, state: DeploymentState, message: string): Promise<ErrorInformation> {
  const failed = (await deps.store.deployments.listTargets(state.spec.deploymentId)).filter((t) => t.status === 'Failed' || t.status === 'Unknown');
  if (failed.length > 0 && failed.every((t) => t.agentIssue)) {
    // Named up to a point: at thousands of hosts the message would be megabytes (the targets list them all).
    const names = failed.slice(0, MAX_HOSTS_NAMED).map((t) => t.targetId).join(', ');
    const more = failed.length > MAX_HOSTS_NAMED ? ` and ${failed.length - MAX_HOSTS_NAMED} more hosts` : '';
    return { code: 'AGENT_ISSUE', message: `The deployment failed because the agent on ${names}${more} stopped responding.` };
  }
  return { code: 'HEALTH_CONSTRAINTS', message };
}

async function handOverGroup(deps: SchedulerDeps, state: DeploymentState): Promise<StepOutcome> {
  if (state.rollbackPending) return settleRollback(deps, state);
  const closed = await deps.store.deployments.close(state, [], undefined, 'Failed', undefined, deps.now());
  if (closed.nextDeploymentId && closed.nextDeploymentId !== state.spec.deploymentId) await deps.queues.reconcile(closed.nextDeploymentId);
  return 'settled';
}
