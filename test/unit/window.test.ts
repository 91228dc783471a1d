import { describe, expect, it } from 'vitest';
import { decideAdvance, planHealth, type FleetCounts, type HealthPlan } from '../../shared/domain/window.js';
import { PREDEFINED_CONFIGS } from '../../shared/domain/deployment-configs.js';
import type { MinimumHealthyHosts } from '../../shared/domain/deployment-configs.js';

const predefined = (name: string): MinimumHealthyHosts => PREDEFINED_CONFIGS.get(`CodeDeployDefault.${name}`)!.minimumHealthyHosts;

function plan(config: MinimumHealthyHosts, total: number): HealthPlan {
  const result = planHealth(config, total);
  if (!result.ok) throw new Error(`unexpected ${result.code}`);
  return result.plan;
}

const counts = (c: Partial<FleetCounts>): FleetCounts => ({ pending: 0, inProgress: 0, succeeded: 0, failed: 0, skipped: 0, ...c });

describe('window sizes of the predefined configs on 1..20 hosts', () => {
  for (let n = 1; n <= 20; n++) {
    it(`${n} hosts`, () => {
      // OneAtATime: one host at a time.
      expect(plan(predefined('OneAtATime'), n).windowSize).toBe(1);
      // HalfAtATime: FLEET_PERCENT 50 → minHealthy ceil(n/2), so floor(n/2) at a time (at least 1).
      const half = planHealth(predefined('HalfAtATime'), n);
      if (n === 1) {
        // ceil(1 × 50%) = 1 ≥ 1 host: CodeDeploy refuses it as HEALTH_CONSTRAINTS_INVALID.
        expect(half).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
      } else {
        expect(half).toMatchObject({ ok: true, plan: { minHealthy: Math.ceil(n / 2), windowSize: Math.floor(n / 2) } });
      }
      // AllAtOnce: every host at once.
      expect(plan(predefined('AllAtOnce'), n)).toMatchObject({ minHealthy: 0, windowSize: n });
    });
  }
});

describe('custom minimum healthy hosts', () => {
  it.each([
    // [type, value, hosts, minHealthy, window] — the reference's worked examples.
    ['HOST_COUNT', 9, 10, 9, 1],
    ['HOST_COUNT', 8, 10, 8, 2],
    ['HOST_COUNT', 0, 10, 0, 10],
    ['HOST_COUNT', 6, 9, 6, 3],
    ['FLEET_PERCENT', 40, 9, 4, 5],
    ['FLEET_PERCENT', 75, 4, 3, 1],
    ['FLEET_PERCENT', 1, 10, 1, 9],
  ] as const)('%s %i on %i hosts → min %i, %i at a time', (type, value, hosts, minHealthy, windowSize) => {
    expect(plan({ type, value }, hosts)).toMatchObject({ minHealthy, windowSize });
  });

  it('refuses a minimum that cannot hold at the start (HEALTH_CONSTRAINTS_INVALID)', () => {
    expect(planHealth({ type: 'FLEET_PERCENT', value: 95 }, 10)).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(planHealth({ type: 'HOST_COUNT', value: 3 }, 3)).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(planHealth({ type: 'HOST_COUNT', value: 5 }, 3)).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
  });

  it('says NO_INSTANCES for an empty group', () => {
    expect(planHealth(predefined('AllAtOnce'), 0)).toMatchObject({ ok: false, code: 'NO_INSTANCES' });
  });
});

describe('decideAdvance', () => {
  it('releases a sliding window, not fixed batches', () => {
    const p = plan({ type: 'HOST_COUNT', value: 6 }, 9); // 3 at a time
    expect(decideAdvance(p, counts({ pending: 9 }), false)).toEqual({ kind: 'release', count: 3 });
    expect(decideAdvance(p, counts({ pending: 6, inProgress: 3 }), false)).toEqual({ kind: 'wait' });
    // One finished: one more may go, without waiting for the rest of the "batch".
    expect(decideAdvance(p, counts({ pending: 6, inProgress: 2, succeeded: 1 }), false)).toEqual({ kind: 'release', count: 1 });
  });

  it('counts failures against the window', () => {
    const p = plan({ type: 'HOST_COUNT', value: 6 }, 9);
    expect(decideAdvance(p, counts({ pending: 6, inProgress: 1, failed: 2 }), false)).toEqual({ kind: 'wait' });
    expect(decideAdvance(p, counts({ pending: 6, inProgress: 0, succeeded: 1, failed: 2 }), false)).toEqual({ kind: 'release', count: 1 });
  });

  it('fails with HEALTH_CONSTRAINTS when no host can be released without breaking the minimum', () => {
    // 9 hosts HalfAtATime: 4 at a time, 5 must succeed; 4 failures and hosts still waiting.
    const p = plan(predefined('HalfAtATime'), 9);
    expect(decideAdvance(p, counts({ pending: 5, failed: 4 }), false)).toMatchObject({ kind: 'fail' });
  });

  it('fails as soon as the minimum can no longer be reached', () => {
    const p = plan({ type: 'HOST_COUNT', value: 3 }, 4); // 1 at a time, 3 must succeed
    expect(decideAdvance(p, counts({ pending: 2, inProgress: 0, succeeded: 0, failed: 2 }), false)).toMatchObject({ kind: 'fail' });
  });

  it('OneAtATime fails at the first failure unless it is the last host', () => {
    const p = plan(predefined('OneAtATime'), 3);
    expect(decideAdvance(p, counts({ pending: 3 }), false)).toEqual({ kind: 'release', count: 1 });
    expect(decideAdvance(p, counts({ pending: 2, failed: 1 }), false)).toMatchObject({ kind: 'fail' });
    expect(decideAdvance(p, counts({ succeeded: 2, failed: 1 }), false)).toEqual({ kind: 'complete', status: 'Succeeded' });
  });

  it('OneAtATime on a single host needs that host to succeed', () => {
    const p = plan(predefined('OneAtATime'), 1);
    expect(decideAdvance(p, counts({ failed: 1 }), false)).toMatchObject({ kind: 'complete', status: 'Failed' });
    expect(decideAdvance(p, counts({ succeeded: 1 }), false)).toEqual({ kind: 'complete', status: 'Succeeded' });
  });

  it('AllAtOnce succeeds when at least one host succeeds, and fails only when all fail', () => {
    const p = plan(predefined('AllAtOnce'), 5);
    expect(decideAdvance(p, counts({ pending: 5 }), false)).toEqual({ kind: 'release', count: 5 });
    expect(decideAdvance(p, counts({ succeeded: 1, failed: 4 }), false)).toEqual({ kind: 'complete', status: 'Succeeded' });
    expect(decideAdvance(p, counts({ failed: 5 }), false)).toMatchObject({ kind: 'complete', status: 'Failed' });
  });

  it('HalfAtATime needs at least half to succeed', () => {
    const p = plan(predefined('HalfAtATime'), 9);
    expect(decideAdvance(p, counts({ succeeded: 5, failed: 4 }), false)).toEqual({ kind: 'complete', status: 'Succeeded' });
    expect(decideAdvance(p, counts({ succeeded: 4, failed: 5 }), false)).toMatchObject({ kind: 'complete', status: 'Failed' });
  });

  it('once failing, waits for hosts in flight and then closes Failed', () => {
    const p = plan(predefined('HalfAtATime'), 4);
    expect(decideAdvance(p, counts({ inProgress: 1, failed: 2, skipped: 1 }), true)).toEqual({ kind: 'wait' });
    expect(decideAdvance(p, counts({ succeeded: 1, failed: 2, skipped: 1 }), true)).toEqual({ kind: 'complete', status: 'Failed' });
  });
});
