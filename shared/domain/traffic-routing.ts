/**
 * Traffic routing for blue/green deployments (CodeDeploy's `trafficRoutingConfig`), as pure functions:
 * the schedule of weight shifts a config makes, and the per-host weights that give a pool its share.
 *
 * - AllAtOnce: one shift, 100 % to the replacement pool.
 * - TimeBasedCanary {canaryPercentage, canaryInterval}: two shifts, P % at once, the rest after the interval.
 * - TimeBasedLinear {linearPercentage, linearInterval}: P % more every interval until 100 %.
 * Intervals are minutes, as in CodeDeploy; Cutover also takes `…IntervalSeconds` so that tests and
 * demos can shift in seconds (one of the two, never both). At most 99 % per increment, and at most
 * 2,880 minutes between the first and the last shift.
 */

export type TrafficRoutingType = 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear';

export interface TimeBasedCanary {
  canaryPercentage: number;
  /** Minutes (CodeDeploy's unit). */
  canaryInterval?: number;
  /** Cutover's extension for short runs. */
  canaryIntervalSeconds?: number;
}

export interface TimeBasedLinear {
  linearPercentage: number;
  linearInterval?: number;
  linearIntervalSeconds?: number;
}

export interface TrafficRoutingConfig {
  type: TrafficRoutingType;
  timeBasedCanary?: TimeBasedCanary;
  timeBasedLinear?: TimeBasedLinear;
}

export const ALL_AT_ONCE_ROUTING: TrafficRoutingConfig = { type: 'AllAtOnce' };

/** One scheduled shift: the replacement pool's share after it, and when it is due after the first. */
export interface ShiftStepPlan {
  percent: number;
  offsetMs: number;
}

export const MAX_SHIFT_SPAN_MINUTES = 2880;

function intervalMs(minutes: number | undefined, seconds: number | undefined): number {
  return seconds !== undefined ? seconds * 1000 : (minutes ?? 0) * 60_000;
}

/** The shifts a config makes, in order; the first is due at once (offset 0), the last reaches 100 %. */
export function shiftSchedule(config: TrafficRoutingConfig): ShiftStepPlan[] {
  switch (config.type) {
    case 'AllAtOnce':
      return [{ percent: 100, offsetMs: 0 }];
    case 'TimeBasedCanary': {
      const canary = config.timeBasedCanary;
      if (!canary) return [{ percent: 100, offsetMs: 0 }];
      const interval = intervalMs(canary.canaryInterval, canary.canaryIntervalSeconds);
      return [
        { percent: canary.canaryPercentage, offsetMs: 0 },
        { percent: 100, offsetMs: interval },
      ];
    }
    case 'TimeBasedLinear': {
      const linear = config.timeBasedLinear;
      if (!linear) return [{ percent: 100, offsetMs: 0 }];
      const interval = intervalMs(linear.linearInterval, linear.linearIntervalSeconds);
      const steps: ShiftStepPlan[] = [];
      for (let i = 1; ; i++) {
        const percent = Math.min(100, linear.linearPercentage * i);
        steps.push({ percent, offsetMs: (i - 1) * interval });
        if (percent >= 100) return steps;
      }
    }
  }
}

/** Problems with a routing config, in words a user can act on (empty when it is valid). */
export function routingProblems(config: TrafficRoutingConfig): string[] {
  const problems: string[] = [];
  const check = (name: string, percent: number | undefined, minutes: number | undefined, seconds: number | undefined) => {
    if (percent === undefined || !Number.isInteger(percent) || percent < 1 || percent > 99) problems.push(`${name}Percentage must be a whole number from 1 to 99.`);
    if ((minutes === undefined) === (seconds === undefined)) problems.push(`Give exactly one of ${name}Interval (minutes) and ${name}IntervalSeconds.`);
    if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1)) problems.push(`${name}Interval must be a whole number of minutes, at least 1.`);
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1)) problems.push(`${name}IntervalSeconds must be a whole number of seconds, at least 1.`);
  };
  if (config.type === 'TimeBasedCanary') {
    if (!config.timeBasedCanary) problems.push('TimeBasedCanary needs timeBasedCanary {canaryPercentage, canaryInterval}.');
    else check('canary', config.timeBasedCanary.canaryPercentage, config.timeBasedCanary.canaryInterval, config.timeBasedCanary.canaryIntervalSeconds);
  }
  if (config.type === 'TimeBasedLinear') {
    if (!config.timeBasedLinear) problems.push('TimeBasedLinear needs timeBasedLinear {linearPercentage, linearInterval}.');
    else check('linear', config.timeBasedLinear.linearPercentage, config.timeBasedLinear.linearInterval, config.timeBasedLinear.linearIntervalSeconds);
  }
  if (problems.length === 0) {
    const schedule = shiftSchedule(config);
    const span = schedule[schedule.length - 1].offsetMs;
    if (span > MAX_SHIFT_SPAN_MINUTES * 60_000) problems.push(`The shifts span ${(span / 60_000).toFixed(span % 60_000 === 0 ? 0 : 2)} minutes; at most ${MAX_SHIFT_SPAN_MINUTES} are allowed.`);
  }
  return problems;
}

export interface PoolWeights {
  /** Weight of each host of the replacement pool. */
  replacement: number;
  /** Weight of each host of the original pool. */
  original: number;
}

/**
 * Per-host weights (integers 0..maxWeight, HAProxy's range) giving the replacement pool `percent`
 * of the requests, with `replacementHosts` and `originalHosts` hosts taking traffic. Both routers
 * use smooth weighted round robin, so the share over a cycle is exactly the weights' ratio: the
 * pair is chosen to make that ratio as close to `percent` as the integers allow.
 */
export function poolWeights(percent: number, replacementHosts: number, originalHosts: number, maxWeight = 256): PoolWeights {
  if (percent <= 0 || replacementHosts === 0) return { replacement: 0, original: originalHosts === 0 ? 0 : maxWeight };
  if (percent >= 100 || originalHosts === 0) return { replacement: maxWeight, original: 0 };
  let best: PoolWeights = { replacement: 1, original: 1 };
  let bestError = Number.POSITIVE_INFINITY;
  for (let original = 1; original <= maxWeight; original++) {
    // replacement·R / (replacement·R + original·O) = p  →  replacement = p·original·O / ((1 − p)·R)
    const exact = (percent * original * originalHosts) / ((100 - percent) * replacementHosts);
    // Clamped, not skipped: with few replacement hosts against many original ones the exact weight
    // can exceed the maximum for every original weight, and the best pair is then (max, 1).
    for (const replacement of new Set([Math.floor(exact), Math.ceil(exact)].map((w) => Math.min(maxWeight, Math.max(1, w))))) {
      const share = (100 * replacement * replacementHosts) / (replacement * replacementHosts + original * originalHosts);
      const error = Math.abs(share - percent);
      if (error < bestError - 1e-9) {
        best = { replacement, original };
        bestError = error;
      }
    }
  }
  return best;
}

/** The replacement pool's share (percent) that a pair of weights gives. */
export function shareOf(weights: PoolWeights, replacementHosts: number, originalHosts: number): number {
  const r = weights.replacement * replacementHosts;
  const o = weights.original * originalHosts;
  return r + o === 0 ? 0 : (100 * r) / (r + o);
}
