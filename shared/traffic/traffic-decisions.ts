/**
 * When a traffic event is over, as pure functions of what the load balancer shows and the time
 * (table-tested, no I/O). The worker asks again after `delayMs` — a delayed job, never a sleep.
 *
 * BlockTraffic (ELB deregistration): done as soon as the target is out of service or draining with
 * nothing in flight; at the latest when the deregistration delay has passed (in-flight requests
 * are then cut off, as ELB does).
 * AllowTraffic (ELB registration): done when the target is in service and its health check has
 * passed; failed when that has not happened within the timeout.
 */
import type { TargetView } from './traffic-router.js';

export type TrafficDecision = { kind: 'done'; message: string } | { kind: 'wait'; delayMs: number } | { kind: 'fail'; message: string };

export interface Clock {
  startedAtMs: number;
  nowMs: number;
  pollMs: number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function decideBlock(view: TargetView, deregistrationDelaySeconds: number, clock: Clock): TrafficDecision {
  const elapsed = Math.max(0, clock.nowMs - clock.startedAtMs);
  const limit = deregistrationDelaySeconds * 1000;
  if (view.admin !== 'in-service' && view.activeRequests === 0) {
    return { kind: 'done', message: `Deregistered: no request in flight after ${seconds(elapsed)} (${view.detail}).` };
  }
  if (elapsed >= limit) {
    return {
      kind: 'done',
      message: `Deregistered when the deregistration delay of ${deregistrationDelaySeconds} s ran out, with ${view.activeRequests} request(s) still in flight (${view.detail}).`,
    };
  }
  return { kind: 'wait', delayMs: Math.min(clock.pollMs, limit - elapsed) };
}

export function decideAllow(view: TargetView, healthyTimeoutSeconds: number, clock: Clock): TrafficDecision {
  const elapsed = Math.max(0, clock.nowMs - clock.startedAtMs);
  const limit = healthyTimeoutSeconds * 1000;
  if (view.admin === 'in-service' && view.health === 'healthy') {
    return { kind: 'done', message: `Registered; the health check passed after ${seconds(elapsed)} (${view.detail}).` };
  }
  if (elapsed >= limit) {
    return {
      kind: 'fail',
      message: `The load balancer's health check did not pass within ${healthyTimeoutSeconds} s; the instance was taken out again. Last seen: ${view.detail}.`,
    };
  }
  return { kind: 'wait', delayMs: Math.min(clock.pollMs, limit - elapsed) };
}

/**
 * A deterministic job id suffix for the next look: two runs that overlap (a duplicate job, a sweep
 * kick) schedule the same slot, which BullMQ keeps once, so duplicates cannot multiply.
 */
export function waitSlot(event: string, startedAtMs: number, nowMs: number, pollMs: number): string {
  return `${event}-wait-${Math.floor(Math.max(0, nowMs - startedAtMs) / pollMs) + 1}`;
}
