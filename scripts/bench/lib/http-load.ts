/**
 * A bounded HTTP load loop over loopback: `concurrency` keep-alive connections, each sending its
 * next request as soon as the previous answer is read, until `maxRequests` have been sent or
 * `maxSeconds` have passed, whichever comes first. Every latency is kept (ms).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadRequest {
  method: string;
  path: string;
  body?: string;
}

export interface LoadOptions {
  baseUrl: string;
  headers: Record<string, string>;
  /** The i-th request (0-based). */
  request: (i: number) => LoadRequest;
  concurrency: number;
  maxRequests: number;
  maxSeconds: number;
  /** Answers with another status count as errors. */
  okStatuses: readonly number[];
  /** Called with each OK answer's body (e.g. to collect created ids). */
  onBody?: (body: string) => void;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  seconds: number;
  rps: number;
  latenciesMs: number[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let issued = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;

  const one = (req: LoadRequest) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const r = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          agent,
          timeout: options.timeoutMs ?? 10_000,
          headers: { ...options.headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error('request timed out')));
      r.on('error', reject);
      r.end(body);
    });

  const loop = async () => {
    while (issued < options.maxRequests && performance.now() < deadline) {
      const req = options.request(issued++);
      const t0 = performance.now();
      try {
        const answer = await one(req);
        latencies.push(performance.now() - t0);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (options.okStatuses.includes(answer.status)) {
          ok++;
          options.onBody?.(answer.body);
        } else {
          errors++;
          firstError ??= `${answer.status} ${answer.body.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        statuses.network = (statuses.network ?? 0) + 1;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: issued, ok, errors, statuses, firstError, seconds, rps: ok / seconds, latenciesMs: latencies };
}
