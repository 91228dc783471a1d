/**
 * The one interface the workers use to move traffic, whatever the load balancer. Deliberately
 * narrow — register, deregister (drain), remove, set a weight, describe one target, read the
 * counters — so that an Envoy, Traefik or nginx driver is one more folder beside builtin/ and
 * haproxy/, with no change to the workers.
 *
 * Vocabulary follows ELB's target health: a target is in service, draining, or out of service,
 * and healthy, unhealthy, or unknown (no check has decided yet: ELB's "initial"). Every method is
 * idempotent (a worker may call it twice, or after a crash) and bounded by a timeout: a load
 * balancer that cannot be reached is a TrafficRouterError, never a hang.
 */
import type { HealthCheckSettings, TrafficDriverName } from '../domain/load-balancer.js';

export interface TrafficTarget {
  /** The target's name in the pool/backend: the instance name. */
  id: string;
  host: string;
  port: number;
}

export interface RegisterOptions {
  weight: number;
  healthCheck: HealthCheckSettings;
}

export type AdminState = 'in-service' | 'draining' | 'out-of-service';
export type HealthState = 'healthy' | 'unhealthy' | 'unknown';

export interface TargetView {
  /** in-service: takes new requests once healthy; draining: no new requests; out-of-service: not registered, or in maintenance. */
  admin: AdminState;
  health: HealthState;
  /** Requests the load balancer has in flight to (or queued for) the target. */
  activeRequests: number;
  weight: number;
  /** The load balancer's own words, for diagnostics (e.g. "DOWN 1/2, L4CON Connection refused"). */
  detail: string;
}

export interface TargetCounters {
  id: string;
  admin: AdminState;
  health: HealthState;
  weight: number;
  activeRequests: number;
  requests: number;
  responses5xx: number;
  /** Requests the load balancer could not get an answer for from this target (connection failures, resets). */
  errors: number;
  /** Requests retried on another target after this one failed to connect. */
  retries: number;
}

export interface PoolCounters {
  pool: string;
  requests: number;
  responses5xx: number;
  errors: number;
  retries: number;
  targets: TargetCounters[];
}

export interface TrafficRouter {
  readonly driver: TrafficDriverName;
  /** Add the target if missing (or move it to its address), put it in service; it takes traffic once its health check passes. */
  register(target: TrafficTarget, options: RegisterOptions): Promise<void>;
  /** Stop sending new requests to the target; requests in flight finish. A target that is not registered is fine. */
  deregister(target: TrafficTarget): Promise<void>;
  /** Take the target out entirely (after draining). A target that is not registered is fine. */
  remove(target: TrafficTarget): Promise<void>;
  setWeight(target: TrafficTarget, weight: number): Promise<void>;
  describe(target: TrafficTarget): Promise<TargetView>;
  stats(): Promise<PoolCounters>;
}

/** The load balancer could not be reached, did not answer in time, or refused a request. */
export class TrafficRouterError extends Error {
  constructor(
    readonly driver: TrafficDriverName,
    message: string,
  ) {
    super(message);
    this.name = 'TrafficRouterError';
  }
}

export const ABSENT_TARGET: TargetView = { admin: 'out-of-service', health: 'unknown', activeRequests: 0, weight: 0, detail: 'not registered' };
