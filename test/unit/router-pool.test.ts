/** The built-in router's pool: weighted choice, eligibility, registration semantics, health thresholds. */
import { describe, expect, it } from 'vitest';
import { Pool, type Target } from '../../router/pool.js';
import { LatencyHistogram } from '../../router/counters.js';

const checks = { path: '/healthz', intervalSeconds: 1, timeoutSeconds: 1, healthyThresholdCount: 2, unhealthyThresholdCount: 2 };

function healthy(target: Target): Target {
  target.health = 'healthy';
  return target;
}

function poolOf(weights: Record<string, number>): Pool {
  const pool = new Pool('web', '127.0.0.1:0');
  let port = 9000;
  for (const [id, weight] of Object.entries(weights)) healthy(pool.upsert(id, { address: `127.0.0.1:${port++}`, weight, healthCheck: checks }).target);
  return pool;
}

function picks(pool: Pool, n: number): string[] {
  return Array.from({ length: n }, () => pool.pick()?.id ?? '-');
}

describe('smooth weighted round robin', () => {
  it('rotates over equal weights', () => {
    expect(picks(poolOf({ a: 1, b: 1, c: 1 }), 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('follows the weights exactly over a cycle, spread out', () => {
    const sequence = picks(poolOf({ a: 5, b: 1, c: 1 }), 7);
    expect(sequence).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
    const counts = picks(poolOf({ a: 90, b: 10 }), 1000).reduce<Record<string, number>>((m, id) => ({ ...m, [id]: (m[id] ?? 0) + 1 }), {});
    expect(counts).toEqual({ a: 900, b: 100 });
  });

  it('skips draining, unhealthy, unchecked and zero-weight targets; none eligible → undefined', () => {
    const pool = poolOf({ a: 1, b: 1, c: 1, d: 0 });
    pool.drain('a');
    pool.targets.get('b')!.health = 'unhealthy';
    expect(new Set(picks(pool, 5))).toEqual(new Set(['c']));
    pool.targets.get('c')!.health = 'unknown';
    expect(pool.pick()).toBeUndefined();
  });

  it('can exclude the target that just failed (for a retry)', () => {
    const pool = poolOf({ a: 1, b: 1 });
    const a = pool.targets.get('a')!;
    expect(Array.from({ length: 4 }, () => pool.pick(a)?.id)).toEqual(['b', 'b', 'b', 'b']);
  });
});

describe('registration', () => {
  it('a new target waits for its health check', () => {
    const pool = new Pool('web', '127.0.0.1:0');
    const { target, reset } = pool.upsert('a', { address: '127.0.0.1:9000', weight: 10, healthCheck: checks });
    expect(reset).toBe(true);
    expect(target.health).toBe('unknown');
    expect(pool.pick()).toBeUndefined();
  });

  it('registering an unchanged target in service again changes nothing (idempotent)', () => {
    const pool = poolOf({ a: 10 });
    const before = pool.targets.get('a')!;
    const again = pool.upsert('a', { address: '127.0.0.1:9000', weight: 20, healthCheck: checks });
    expect(again).toEqual({ target: before, reset: false });
    expect(before.health).toBe('healthy');
    expect(before.weight).toBe(20);
  });

  it('a draining target registered again starts over: back in service, health unknown', () => {
    const pool = poolOf({ a: 10 });
    pool.drain('a');
    const { target, reset } = pool.upsert('a', { address: '127.0.0.1:9000', weight: 10, healthCheck: checks });
    expect(reset).toBe(true);
    expect(target.admin).toBe('in-service');
    expect(target.health).toBe('unknown');
  });

  it('a new address is a new target; the old one is retired', () => {
    const retired: string[] = [];
    const pool = new Pool('web', '127.0.0.1:0', (t) => retired.push(`${t.id}@${t.url.port}`));
    pool.upsert('a', { address: '127.0.0.1:9000', weight: 10, healthCheck: checks });
    const { target } = pool.upsert('a', { address: '127.0.0.1:9001', weight: 10, healthCheck: checks });
    expect(target.url.port).toBe('9001');
    pool.remove('a');
    expect(retired).toEqual(['a@9000', 'a@9001']);
  });

  it('refuses an address that is not host:port', () => {
    expect(() => new Pool('web', 'x').upsert('a', { address: 'nope', weight: 1, healthCheck: checks })).toThrow(/not host:port/);
  });
});

describe('health thresholds', () => {
  it('healthy after N passes, unhealthy after M failures, counts reset on a change of result', () => {
    const target = new Pool('web', 'x').upsert('a', { address: '127.0.0.1:9000', weight: 1, healthCheck: { ...checks, healthyThresholdCount: 3, unhealthyThresholdCount: 2 } }).target;
    const at = new Date();
    const run = (ok: boolean) => {
      target.recordCheck({ at, ok, detail: '' });
      return target.health;
    };
    expect([run(true), run(true), run(true)]).toEqual(['unknown', 'unknown', 'healthy']);
    expect([run(false), run(true), run(false), run(false)]).toEqual(['healthy', 'healthy', 'healthy', 'unhealthy']);
    expect([run(true), run(true), run(true)]).toEqual(['unhealthy', 'unhealthy', 'healthy']);
  });
});

describe('latency histogram', () => {
  it('answers quantiles within a bucket (~21 %)', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 … 10 ms
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50Ms).toBeGreaterThanOrEqual(5);
    expect(s.p50Ms).toBeLessThan(5 * 1.22);
    expect(s.p99Ms).toBeGreaterThanOrEqual(9.9);
    expect(s.p99Ms).toBeLessThan(9.9 * 1.22);
    expect(s.meanMs).toBeCloseTo(5.005, 2);
  });
});
