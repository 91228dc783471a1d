/**
 * BlockTraffic and AllowTraffic, done by the control plane through the deployment's TrafficRouter.
 * A reconcile like the rest of the instance walk: every run re-reads the target, makes the same
 * idempotent call to the load balancer, looks at what it shows, and then either records the
 * event's end or schedules its next look as a delayed `instances` job. Nothing is held in memory:
 * when the wait began is the event's own startTime on the target record in Redis.
 *
 *   Pending     → InProgress (startTime = now)                       CAS on the target
 *   InProgress  → router.deregister / router.register (idempotent)
 *               → router.describe → decideBlock / decideAllow
 *                   wait  → advanceInstance(…, `<event>-wait-<slot>`, {delayMs})
 *                   done  → (BlockTraffic: router.remove) → Succeeded   CAS, then walk on
 *                   fail  → router.remove → Failed with diagnostics     CAS, then walk on
 *   router unreachable / refusing → Failed, errorCode UnknownError and the router's sentence.
 *   stopped while AllowTraffic waits → Failed at once (router.remove); a BlockTraffic drain in
 *   flight finishes (bounded by the deregistration delay), so requests in flight are not cut.
 */
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../shared/store/index.js';
import type { Queues } from '../../shared/queues.js';
import type { Config } from '../../shared/config.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import { isDeploymentTerminal, isTargetDone } from '../../shared/domain/statuses.js';
import { isTrafficEvent, type TrafficEventName } from '../../shared/domain/lifecycle.js';
import { nextInstanceStep, type EventGate } from '../../shared/domain/instance-steps.js';
import { gateFor } from '../../shared/domain/blue-green.js';
import { applyEventChanges, finishTarget } from '../../shared/domain/target-updates.js';
import { parseTargetAddress } from '../../shared/domain/load-balancer.js';
import type { Diagnostics, InstanceTarget } from '../../shared/domain/types.js';
import { updateTarget } from '../../shared/operations/update-target.js';
import { createTrafficRouter } from '../../shared/traffic/create-router.js';
import { TrafficRouterError, type TrafficRouter, type TrafficTarget } from '../../shared/traffic/traffic-router.js';
import { decideAllow, decideBlock, waitSlot, type TrafficDecision } from '../../shared/traffic/traffic-decisions.js';

export interface TrafficDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  now: () => Date;
}

/** The traffic event this instance is on: one InProgress, or the next Pending one. */
export function trafficEventDue(target: InstanceTarget, gate?: EventGate): TrafficEventName | undefined {
  if (target.status !== 'InProgress') return undefined;
  const running = target.lifecycleEvents.find((e) => e.status === 'InProgress');
  if (running) return isTrafficEvent(running.lifecycleEventName) ? running.lifecycleEventName : undefined;
  const step = nextInstanceStep(target.lifecycleEvents, gate);
  return step.kind === 'traffic' ? step.event : undefined;
}

export async function advanceTraffic(deps: TrafficDeps, state: DeploymentState, instanceName: string, event: TrafficEventName): Promise<void> {
  const { deploymentId } = state.spec;
  const log = deps.log.child({ deploymentId, instanceId: instanceName, event });

  const started = await startEvent(deps, state, instanceName, event);
  if (!started) return;
  const startedAtMs = Date.parse(started.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.startTime ?? '') || deps.now().getTime();

  let decision: TrafficDecision;
  try {
    decision = await act(deps, state, started, event, startedAtMs);
  } catch (err) {
    const message = err instanceof TrafficRouterError ? err.message : `Unexpected error talking to the load balancer: ${(err as Error).message}`;
    if (!(err instanceof TrafficRouterError)) log.error({ err }, 'traffic step failed unexpectedly');
    decision = { kind: 'fail', message };
  }

  if (decision.kind === 'wait') {
    const slot = waitSlot(event, startedAtMs, deps.now().getTime(), deps.config.traffic.pollMs);
    await deps.queues.advanceInstance(deploymentId, instanceName, slot, { delayMs: decision.delayMs });
    return;
  }
  const status = decision.kind === 'done' ? 'Succeeded' : 'Failed';
  const diagnostics: Diagnostics = { errorCode: status === 'Succeeded' ? 'Success' : 'UnknownError', scriptName: '', message: decision.message, logTail: '' };
  const at = deps.now();
  const result = await updateTarget(deps.store, deploymentId, instanceName, (current) => {
    const after = applyEventChanges(current, [{ lifecycleEventName: event, status, diagnostics }], at);
    return after === current ? undefined : { after };
  });
  if (result?.written) {
    (status === 'Succeeded' ? log.info.bind(log) : log.warn.bind(log))({ message: decision.message }, `${event} ${status}`);
    await deps.queues.advanceInstance(deploymentId, instanceName, `${event}-${status}`);
  }
}

/** Pending → InProgress; returns the target with the event running, or undefined when there is nothing to do. */
async function startEvent(deps: TrafficDeps, state: DeploymentState, instanceName: string, event: TrafficEventName): Promise<InstanceTarget | undefined> {
  const at = deps.now();
  const result = await updateTarget(deps.store, state.spec.deploymentId, instanceName, (current) => {
    if (isTargetDone(current.status) || trafficEventDue(current, gateFor(state.blueGreen, current.instanceLabel)) !== event) return undefined;
    const pending = current.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status === 'Pending';
    if (!pending) return undefined;
    // A stopped (or stopping) deployment starts no new work on the load balancer; one already
    // running (a drain) finishes, so the load balancer is never left half-changed.
    if (isDeploymentTerminal(state.status) || state.stopping) return { after: finishTarget(current, 'Failed', at) };
    return { after: applyEventChanges(current, [{ lifecycleEventName: event, status: 'InProgress' }], at) };
  });
  if (!result) return undefined;
  if (isTargetDone(result.target.status)) {
    await deps.queues.reconcile(state.spec.deploymentId);
    return undefined;
  }
  const running = result.target.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status === 'InProgress';
  return running ? result.target : undefined;
}

async function act(deps: TrafficDeps, state: DeploymentState, target: InstanceTarget, event: TrafficEventName, startedAtMs: number): Promise<TrafficDecision> {
  const lb = state.spec.loadBalancerInfo;
  if (!lb) return { kind: 'fail', message: 'MISSING_ELB_INFORMATION: the deployment has no loadBalancerInfo.' };
  const address = target.trafficAddress ? parseTargetAddress(target.trafficAddress) : undefined;
  if (!address) return { kind: 'fail', message: `ELB_INVALID_INSTANCE: the instance has no target address (tag ${lb.targetAddressTag}).` };
  const trafficTarget: TrafficTarget = { id: target.targetId, ...address };
  const router = createTrafficRouter(lb, { timeoutMs: deps.config.traffic.callTimeoutMs });
  const clock = () => ({ startedAtMs, nowMs: deps.now().getTime(), pollMs: deps.config.traffic.pollMs });

  if (event === 'BlockTraffic') {
    await router.deregister(trafficTarget);
    const decision = decideBlock(await router.describe(trafficTarget), lb.deregistrationDelaySeconds, clock());
    if (decision.kind === 'done') await router.remove(trafficTarget);
    return decision;
  }
  if (state.stopping || isDeploymentTerminal(state.status)) {
    // A stop does not wait out the health check (up to healthyTimeoutSeconds): the host stays out.
    await router.remove(trafficTarget);
    return { kind: 'fail', message: 'The deployment was stopped while AllowTraffic waited for the health check; the instance was taken out of the load balancer.' };
  }
  await router.register(trafficTarget, { weight: await allowWeight(router, trafficTarget, state, target, lb.weight), healthCheck: lb.healthCheck });
  const decision = decideAllow(await router.describe(trafficTarget), lb.healthyTimeoutSeconds, clock());
  if (decision.kind === 'fail') {
    // Not put back: an instance that never became healthy takes no traffic.
    await router.remove(trafficTarget).catch((err: unknown) => deps.log.warn({ err, instanceId: target.targetId }, 'could not take the unhealthy instance out again'));
  }
  return decision;
}

/**
 * In place, a host comes back at the group's weight. Blue/green, the traffic worker owns the
 * weights: a replacement host joins at weight 0 (it takes traffic only when the shift gives it
 * some, whatever an earlier, stopped deployment left on it), except in a reroute-only rollback,
 * where a host already in service keeps its weight (re-allowing the pool that still serves must
 * not cut it off).
 */
async function allowWeight(router: TrafficRouter, trafficTarget: TrafficTarget, state: DeploymentState, target: InstanceTarget, groupWeight: number): Promise<number> {
  if (!state.blueGreen || target.instanceLabel !== 'Green') return groupWeight;
  if (!state.blueGreen.rerouteOnly) return 0;
  const view = await router.describe(trafficTarget);
  return view.admin === 'in-service' ? view.weight : 0;
}
