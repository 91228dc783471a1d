/**
 * A closed-loop HTTP load generator on loopback: `concurrency` keep-alive connections, each
 * sending its next request as soon as the previous answer has been read, for a fixed time or
 * count. No retries: an error or a non-2xx answer is counted as a failure. Latency of every
 * request is kept (bounded by the count), so percentiles are exact.
 */
import http from 'node:http';

export interface LoadOptions {
  url: string;
  concurrency: number;
  durationMs?: number;
  requests?: number;
}

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

const MAX_SAMPLES = 2_000_000;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const samples = new Float64Array(Math.min(MAX_SAMPLES, options.requests ?? MAX_SAMPLES));
  let count = 0;
  let failures = 0;
  let started = 0;
  const begin = process.hrtime.bigint();
  const endAt = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const limit = options.requests ?? Infinity;

  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, agent, method: 'GET' }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (count < samples.length) samples[count] = ms;
          count++;
          if ((res.statusCode ?? 0) >= 300) failures++;
          resolve();
        });
        res.on('error', () => {
          failures++;
          resolve();
        });
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end();
    });

  const worker = async () => {
    while (started < limit && Date.now() < endAt) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  agent.destroy();
  const kept = samples.subarray(0, Math.min(count, samples.length)).sort();
  const q = (p: number) => (kept.length ? kept[Math.min(kept.length - 1, Math.ceil(p * kept.length) - 1)] : 0);
  const mean = kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : 0;
  return { requests: count, failures, seconds, rps: count / seconds, p50Ms: q(0.5), p99Ms: q(0.99), meanMs: mean };
}

/**
 * Latency of several targets measured side by side: one request to each in turn, `requests`
 * times, each target over its own keep-alive connection. Whatever else runs on the machine then
 * hits every target alike, instead of whichever one happened to be measured at that moment.
 */
export async function runInterleaved(urls: readonly string[], requests: number): Promise<LoadResult[]> {
  const targets = urls.map((u) => ({ url: new URL(u), agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), samples: new Float64Array(requests), failures: 0 }));
  const one = (t: (typeof targets)[number]) =>
    new Promise<number>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: t.url.hostname, port: t.url.port, path: t.url.pathname, agent: t.agent, method: 'GET' }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) t.failures++;
          resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      });
      req.on('error', () => {
        t.failures++;
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      });
      req.end();
    });
  const begin = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    for (const t of targets) t.samples[i] = await one(t);
  }
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  return targets.map((t) => {
    t.agent.destroy();
    const sorted = t.samples.slice().sort();
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    return { requests, failures: t.failures, seconds, rps: requests / seconds, p50Ms: q(0.5), p99Ms: q(0.99), meanMs: mean };
  });
}
