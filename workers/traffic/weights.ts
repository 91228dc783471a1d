/**
 * Setting the two pools' weights on the load balancer so that the replacement pool gets a given
 * share of the requests. Idempotent: it reads what the load balancer holds and changes only the
 * hosts whose weight differs, so a step re-run after a crash changes nothing more.
 *
 * Only hosts the load balancer has in service count: a pool that was never registered (the very
 * first blue/green deployment of a group) simply takes no share.
 */
import type { TrafficDeps } from '../instance/traffic-step.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import { parseTargetAddress, type LoadBalancerInfo } from '../../shared/domain/load-balancer.js';
import { poolWeights, type PoolWeights } from '../../shared/domain/traffic-routing.js';
import type { InstanceTarget } from '../../shared/domain/types.js';
import { createTrafficRouter } from '../../shared/traffic/create-router.js';
import type { TrafficRouter, TrafficTarget } from '../../shared/traffic/traffic-router.js';

export type { TrafficDeps };

export function routerFor(deps: TrafficDeps, state: DeploymentState): { router: TrafficRouter; lb: LoadBalancerInfo } {
  const lb = state.spec.loadBalancerInfo;
  if (!lb) throw new Error(`blue/green deployment ${state.spec.deploymentId} has no loadBalancerInfo`);
  return { router: createTrafficRouter(lb, { timeoutMs: deps.config.traffic.callTimeoutMs }), lb };
}

function trafficTarget(target: InstanceTarget): TrafficTarget | undefined {
  const address = target.trafficAddress ? parseTargetAddress(target.trafficAddress) : undefined;
  return address ? { id: target.targetId, ...address } : undefined;
}

/** Give the replacement pool `percent` of the traffic; returns the per-host weights set, or undefined when the receiving pool has no host in service. */
export async function applyPercent(deps: TrafficDeps, state: DeploymentState, percent: number): Promise<PoolWeights | undefined> {
  const { router, lb } = routerFor(deps, state);
  const targets = await deps.store.deployments.listTargets(state.spec.deploymentId);
  const held = new Map((await router.stats()).targets.map((t) => [t.id, t]));
  const inService = (label: 'Blue' | 'Green') => targets.filter((t) => t.instanceLabel === label && held.get(t.targetId)?.admin === 'in-service');
  const green = inService('Green');
  const blue = inService('Blue');
  // Never take the last served pool's weight away: with nothing in service on the other side the
  // load balancer would have nowhere to send requests (e.g. the original pool is already blocked).
  if ((percent <= 0 && blue.length === 0) || (percent >= 100 && green.length === 0)) {
    deps.log.warn({ deploymentId: state.spec.deploymentId, percent }, 'no host of the receiving pool is in service; weights left as they are');
    return undefined;
  }
  const weights: PoolWeights =
    percent <= 0 ? { replacement: 0, original: lb.weight } : percent >= 100 ? { replacement: lb.weight, original: 0 } : poolWeights(percent, green.length, blue.length);
  const changes = [
    ...green.map((t) => [t, weights.replacement] as const),
    ...blue.map((t) => [t, weights.original] as const),
  ].filter(([t, weight]) => held.get(t.targetId)?.weight !== weight);
  await Promise.all(
    changes.map(async ([t, weight]) => {
      const target = trafficTarget(t);
      if (target) await router.setWeight(target, weight);
    }),
  );
  return weights;
}
