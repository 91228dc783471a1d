/** Small statistics for latency samples: nearest-rank percentiles and a summary. */

/**
 * The nearest-rank percentile (p in 0..100) of `values`: the smallest value such that at least
 * p % of the values are at or below it. NaN for no values. `values` need not be sorted.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sortedPercentile(sorted, p);
}

function sortedPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0],
    mean: sum / sorted.length,
    p50: sortedPercentile(sorted, 50),
    p90: sortedPercentile(sorted, 90),
    p99: sortedPercentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}
