/**
 * Request counters and a latency histogram, per target and per pool. Fixed log-spaced buckets:
 * recording is a few comparisons and an increment (no allocation per request); quantiles are
 * read back with bucket precision (a few percent), plenty for "is p99 1 ms or 20 ms".
 */
import type { CountersView, LatencySummary } from '../shared/traffic/builtin/admin-protocol.js';

/** Bucket upper bounds in ms: 0.05 ms to ~100 s, 12 per decade (~21 % apart). */
const BOUNDS: readonly number[] = Array.from({ length: 12 * 6 + 1 }, (_, i) => 0.05 * 10 ** (i / 12));

export class LatencyHistogram {
  private readonly counts = new Float64Array(BOUNDS.length + 1);
  private total = 0;
  private sumMs = 0;

  record(ms: number): void {
    let lo = 0;
    let hi = BOUNDS.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ms <= BOUNDS[mid]) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]++;
    this.total++;
    this.sumMs += ms;
  }

  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i < BOUNDS.length ? BOUNDS[i] : BOUNDS[BOUNDS.length - 1];
    }
    return BOUNDS[BOUNDS.length - 1];
  }

  summary(): LatencySummary {
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return { count: this.total, meanMs: round(this.total ? this.sumMs / this.total : 0), p50Ms: round(this.quantile(0.5)), p99Ms: round(this.quantile(0.99)) };
  }
}

export class Counters {
  requests = 0;
  readonly responses = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  errors = 0;
  retries = 0;
  readonly latency = new LatencyHistogram();

  /** A response went out (status known) after `ms`. */
  recordResponse(status: number, ms: number): void {
    const cls = `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx` as keyof Counters['responses'];
    this.responses[cls]++;
    this.latency.record(ms);
  }

  view(): CountersView {
    return { requests: this.requests, responses: { ...this.responses }, errors: this.errors, retries: this.retries, latency: this.latency.summary() };
  }
}
