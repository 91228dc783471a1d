/**
 * Minimum-healthy-hosts maths (CodeDeploy's "instance health" rules), as pure functions.
 *
 * - minHealthy is computed once at start: HOST_COUNT as given, FLEET_PERCENT rounded up.
 * - At most N − minHealthy hosts are unhealthy at once (in flight or failed), at least 1: a
 *   sliding window, not fixed batches.
 * - minHealthy ≥ N at start → HEALTH_CONSTRAINTS_INVALID.
 * - When no more hosts can be released without breaking the minimum (and hosts are still
 *   waiting), or the minimum can no longer be reached → HEALTH_CONSTRAINTS.
 * - OneAtATime (MOST_CONCURRENCY) fails at the first failure, unless it is on the last host.
 * - The deployment succeeds with at least max(1, minHealthy) successes.
 */
import type { MinimumHealthyHosts } from './deployment-configs.js';

export interface HealthPlan {
  total: number;
  minHealthy: number;
  /** Most hosts that may be unhealthy (in flight or failed) at once. */
  windowSize: number;
  oneAtATime: boolean;
}

export type HealthPlanResult =
  | { ok: true; plan: HealthPlan }
  | { ok: false; code: 'NO_INSTANCES' | 'HEALTH_CONSTRAINTS_INVALID'; message: string };

export function planHealth(config: MinimumHealthyHosts, total: number): HealthPlanResult {
  if (total === 0) {
    return { ok: false, code: 'NO_INSTANCES', message: 'The deployment group contains no registered instances.' };
  }
  if (config.type === 'MOST_CONCURRENCY') {
    return { ok: true, plan: { total, minHealthy: total - 1, windowSize: 1, oneAtATime: true } };
  }
  const minHealthy = config.type === 'HOST_COUNT' ? config.value : Math.ceil((total * config.value) / 100);
  if (minHealthy >= total && minHealthy > 0) {
    return {
      ok: false,
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message:
        `The minimum number of healthy instances (${minHealthy}) must be less than the ` +
        `number of instances in the deployment (${total}).`,
    };
  }
  return { ok: true, plan: { total, minHealthy, windowSize: Math.max(1, total - minHealthy), oneAtATime: false } };
}

export interface FleetCounts {
  pending: number;
  inProgress: number;
  succeeded: number;
  /** Failed and Unknown hosts. */
  failed: number;
  skipped: number;
}

export type AdvanceDecision =
  | { kind: 'release'; count: number }
  | { kind: 'wait' }
  /** Stop releasing and skip the waiting hosts; the deployment closes Failed once nothing is in flight. */
  | { kind: 'fail'; message: string }
  | { kind: 'complete'; status: 'Succeeded' | 'Failed'; message?: string };

/** What the scheduler does next, given the plan and the current counts. `failing` = a failure was already decided. */
export function decideAdvance(plan: HealthPlan, counts: FleetCounts, failing: boolean): AdvanceDecision {
  const { pending, inProgress, succeeded, failed } = counts;
  if (failing) {
    return inProgress === 0 ? { kind: 'complete', status: 'Failed' } : { kind: 'wait' };
  }
  if (pending === 0 && inProgress === 0) return completion(plan, counts);

  if (plan.oneAtATime) {
    // A failure on any host but the last stops the deployment.
    if (failed > 0 && pending > 0) return { kind: 'fail', message: healthMessage(plan, counts) };
    return inProgress === 0 ? { kind: 'release', count: 1 } : { kind: 'wait' };
  }

  const needed = Math.max(1, plan.minHealthy);
  if (succeeded + inProgress + pending < needed) return { kind: 'fail', message: healthMessage(plan, counts) };

  const releasable = Math.min(pending, plan.windowSize - inProgress - failed);
  if (releasable > 0) return { kind: 'release', count: releasable };
  if (inProgress > 0) return { kind: 'wait' };
  // Hosts are waiting, none is in flight, and releasing one would break the minimum.
  return { kind: 'fail', message: healthMessage(plan, counts) };
}

function completion(plan: HealthPlan, counts: FleetCounts): AdvanceDecision {
  const { succeeded, failed } = counts;
  const ok = plan.oneAtATime
    ? succeeded >= 1 && (plan.total === 1 ? failed === 0 : failed <= 1)
    : succeeded >= Math.max(1, plan.minHealthy);
  return ok ? { kind: 'complete', status: 'Succeeded' } : { kind: 'complete', status: 'Failed', message: healthMessage(plan, counts) };
}

function healthMessage(plan: HealthPlan, counts: FleetCounts): string {
  return (
    `The overall deployment failed because too many individual instances failed deployment, too few healthy ` +
    `instances are available for deployment, or some instances in your deployment group are experiencing problems. ` +
    `(${counts.failed} failed, ${counts.succeeded} succeeded of ${plan.total}; at least ` +
    `${Math.max(1, plan.minHealthy)} must succeed.)`
  );
}
