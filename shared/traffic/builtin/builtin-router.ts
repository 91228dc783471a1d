/**
 * Driver for Cutover's built-in router (router/), through its admin API: HTTP + JSON on its own
 * port, a bearer token. Every call carries a deadline (AbortSignal.timeout), so an unreachable or
 * silent router becomes a TrafficRouterError with a sentence a user can act on.
 */
import { ABSENT_TARGET, TrafficRouterError, type PoolCounters, type RegisterOptions, type TargetView, type TrafficRouter, type TrafficTarget } from '../traffic-router.js';
import { formatTargetAddress } from '../../domain/load-balancer.js';
import type { AdminTargetView, PoolView } from './admin-protocol.js';

export interface BuiltinRouterOptions {
  adminUrl: string;
  adminToken: string;
  pool: string;
  timeoutMs: number;
}

export class BuiltinRouter implements TrafficRouter {
  readonly driver = 'builtin' as const;
  private readonly base: string;

  constructor(private readonly options: BuiltinRouterOptions) {
    this.base = options.adminUrl.replace(/\/+$/, '');
  }

  async register(target: TrafficTarget, options: RegisterOptions): Promise<void> {
    await this.call('PUT', this.targetPath(target), {
      address: formatTargetAddress(target),
      weight: options.weight,
      healthCheck: options.healthCheck,
    });
  }

  async deregister(target: TrafficTarget): Promise<void> {
    await this.call('POST', `${this.targetPath(target)}/drain`, undefined, [404]);
  }

  async remove(target: TrafficTarget): Promise<void> {
    await this.call('DELETE', this.targetPath(target), undefined, [404]);
  }

  async setWeight(target: TrafficTarget, weight: number): Promise<void> {
    await this.call('PUT', `${this.targetPath(target)}/weight`, { weight });
  }

  async describe(target: TrafficTarget): Promise<TargetView> {
    const answer = await this.call<AdminTargetView>('GET', this.targetPath(target), undefined, [404]);
    if (!answer) return ABSENT_TARGET;
    const check = answer.lastHealthCheck ? `; last health check ${answer.lastHealthCheck.ok ? 'passed' : 'failed'}: ${answer.lastHealthCheck.detail}` : '; no health check yet';
    return {
      admin: answer.admin,
      health: answer.health,
      activeRequests: answer.activeRequests,
      weight: answer.weight,
      detail: `${answer.admin}, ${answer.health}${check}`,
    };
  }

  async stats(): Promise<PoolCounters> {
    const pool = (await this.call<PoolView>('GET', `/v1/pools/${encodeURIComponent(this.options.pool)}`)) as PoolView;
    return {
      pool: pool.name,
      requests: pool.counters.requests,
      responses5xx: pool.counters.responses['5xx'],
      errors: pool.counters.errors,
      retries: pool.counters.retries,
      targets: pool.targets.map((t) => ({
        id: t.id,
        admin: t.admin,
        health: t.health,
        weight: t.weight,
        activeRequests: t.activeRequests,
        requests: t.counters.requests,
        responses5xx: t.counters.responses['5xx'],
        errors: t.counters.errors,
        retries: t.counters.retries,
      })),
    };
  }

  private targetPath(target: TrafficTarget): string {
    return `/v1/pools/${encodeURIComponent(this.options.pool)}/targets/${encodeURIComponent(target.id)}`;
  }

  /** One admin request; `tolerated` statuses (e.g. 404 for an absent target) answer undefined. */
  private async call<T>(method: string, path: string, body?: unknown, tolerated: readonly number[] = []): Promise<T | undefined> {
    const where = `the built-in router's admin API at ${this.base}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new TrafficRouterError('builtin', `${where} is unreachable: ${describeFetchError(err, this.options.timeoutMs)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new TrafficRouterError('builtin', `${where} broke off its answer to ${method} ${path}: ${describeFetchError(err, this.options.timeoutMs)}`);
    }
    if (tolerated.includes(res.status) && !isPoolMissing(text)) return undefined;
    if (res.status === 401) throw new TrafficRouterError('builtin', `${where} refused the admin token (401): check loadBalancerInfo.builtin.adminToken.`);
    if (!res.ok) throw new TrafficRouterError('builtin', `${where} answered ${method} ${path} with ${res.status}: ${errorMessage(text)}`);
    try {
      return (text ? JSON.parse(text) : undefined) as T | undefined;
    } catch {
      throw new TrafficRouterError('builtin', `${where} answered ${method} ${path} with something that is not JSON.`);
    }
  }
}

function isPoolMissing(text: string): boolean {
  return text.includes('PoolNotFoundException');
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    return parsed.error?.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.message ?? e.cause?.code ?? e.message ?? String(err);
}
