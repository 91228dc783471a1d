/**
 * A pool: the targets behind one listener, their weights, admin state and health, and the choice
 * of a target per request. Pure in-memory state with no I/O (the health checker and the admin API
 * change it; the proxy reads it), so it is unit-tested directly.
 *
 * Choice: smooth weighted round robin (nginx's): each pick adds every eligible target's weight
 * to its running score, takes the highest, and subtracts the total from it. Shares follow the
 * weights exactly over a cycle and consecutive picks are spread out (5:1:1 gives a a b a c a a,
 * not a a a a a b c). Eligible: in service, healthy, weight above 0.
 */
import { Counters } from './counters.js';
import type { AdminTargetView, PoolView } from '../shared/traffic/builtin/admin-protocol.js';
import type { HealthState } from '../shared/traffic/traffic-router.js';
import type { HealthCheckSettings } from '../shared/domain/load-balancer.js';
import { formatTargetAddress, parseTargetAddress, type TargetAddress } from '../shared/domain/load-balancer.js';

export interface TargetSettings {
  address: string;
  weight: number;
  healthCheck: HealthCheckSettings;
}

export interface HealthResult {
  at: Date;
  ok: boolean;
  detail: string;
}

export class Target {
  admin: 'in-service' | 'draining' = 'in-service';
  health: HealthState = 'unknown';
  activeRequests = 0;
  /** Smooth weighted round robin's running score. */
  score = 0;
  passes = 0;
  failures = 0;
  lastCheck?: HealthResult;
  /** Bumped whenever the address or health settings change: the health checker restarts. */
  generation = 0;
  readonly counters = new Counters();
  readonly url: URL;

  constructor(
    readonly id: string,
    readonly address: TargetAddress,
    public weight: number,
    public healthCheck: HealthCheckSettings,
  ) {
    this.url = new URL(`http://${formatTargetAddress(address)}`);
  }

  get eligible(): boolean {
    return this.admin === 'in-service' && this.health === 'healthy' && this.weight > 0;
  }

  /** Count one health check; returns true when the health state changed. */
  recordCheck(result: HealthResult): boolean {
    this.lastCheck = result;
    if (result.ok) {
      this.passes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.passes = 0;
    }
    const before = this.health;
    if (result.ok && this.health !== 'healthy' && this.passes >= this.healthCheck.healthyThresholdCount) this.health = 'healthy';
    if (!result.ok && this.health !== 'unhealthy' && this.failures >= this.healthCheck.unhealthyThresholdCount) this.health = 'unhealthy';
    return before !== this.health;
  }

  view(): AdminTargetView {
    return {
      id: this.id,
      address: formatTargetAddress(this.address),
      weight: this.weight,
      admin: this.admin,
      health: this.health,
      activeRequests: this.activeRequests,
      healthCheck: this.healthCheck,
      lastHealthCheck: this.lastCheck ? { at: this.lastCheck.at.toISOString(), ok: this.lastCheck.ok, detail: this.lastCheck.detail } : undefined,
      counters: this.counters.view(),
    };
  }
}

export class InvalidTargetError extends Error {}

export class Pool {
  readonly targets = new Map<string, Target>();
  readonly counters = new Counters();
  /** Requests answered 503 because no target was eligible. */
  noTarget = 0;

  constructor(
    readonly name: string,
    readonly listen: string,
    /** Told when a target object leaves the pool (removed, or replaced by one at a new address): its connections can close. */
    private readonly onRetire: (target: Target) => void = () => {},
  ) {}

  pick(exclude?: Target): Target | undefined {
    let best: Target | undefined;
    let total = 0;
    for (const target of this.targets.values()) {
      if (!target.eligible || target === exclude) continue;
      target.score += target.weight;
      total += target.weight;
      if (!best || target.score > best.score) best = target;
    }
    if (best) best.score -= total;
    return best;
  }

  /**
   * Register or update a target. A new target, one moved to another address, one that was
   * draining, or one given new health settings starts over as health "unknown": it takes traffic
   * only after passing its health check again. Re-registering an unchanged target that is in
   * service changes nothing (the call is idempotent).
   */
  upsert(id: string, settings: TargetSettings): { target: Target; reset: boolean } {
    const address = parseTargetAddress(settings.address);
    if (!address) throw new InvalidTargetError(`address "${settings.address}" is not host:port`);
    const existing = this.targets.get(id);
    const sameAddress = existing && formatTargetAddress(existing.address) === formatTargetAddress(address);
    const sameChecks = existing && JSON.stringify(existing.healthCheck) === JSON.stringify(settings.healthCheck);
    if (existing && sameAddress && sameChecks && existing.admin === 'in-service') {
      existing.weight = settings.weight;
      return { target: existing, reset: false };
    }
    if (existing && sameAddress) {
      existing.weight = settings.weight;
      existing.healthCheck = settings.healthCheck;
      existing.admin = 'in-service';
      existing.health = 'unknown';
      existing.passes = 0;
      existing.failures = 0;
      existing.score = 0;
      existing.generation++;
      return { target: existing, reset: true };
    }
    const target = new Target(id, address, settings.weight, settings.healthCheck);
    if (existing) {
      target.generation = existing.generation + 1;
      this.onRetire(existing);
    }
    this.targets.set(id, target);
    return { target, reset: true };
  }

  drain(id: string): Target | undefined {
    const target = this.targets.get(id);
    if (target) target.admin = 'draining';
    return target;
  }

  remove(id: string): Target | undefined {
    const target = this.targets.get(id);
    this.targets.delete(id);
    if (target) this.onRetire(target);
    return target;
  }

  view(): PoolView {
    return {
      name: this.name,
      listen: this.listen,
      counters: { ...this.counters.view(), noTarget: this.noTarget },
      targets: [...this.targets.values()].map((t) => t.view()),
    };
  }
}
