/**
 * The data plane: one HTTP/1.1 listener per pool; each request goes to the pool's next eligible
 * target over a pooled keep-alive connection.
 *
 * Engine: undici (Node's own HTTP client, maintained by the Node.js project; 7.x supports
 * Node ≥ 20.18.1). Node's http server parses the request, undici's `Pool.stream` sends it and
 * writes the upstream's answer straight into the ServerResponse; we never parse HTTP ourselves,
 * we only pick the target and drop hop-by-hop headers (RFC 9110 §7.6.1). Considered and rejected:
 * http-proxy (unmaintained since 2020) and http-proxy-middleware 3.x on top of it; http-proxy-3
 * (2.x needs Node 22); httpxy (maintained, runs on Node 20, but on node:http's client it cost
 * ~35 % more CPU per request than undici here, and the target is half of HAProxy's
 * throughput on a 2-core box — see docs/BENCHMARKS.md).
 *
 * Per request: pick a target (pool.ts), count it in flight until the client's response closes
 * (that count is what draining waits for), forward. A connection failure before any byte of the
 * answer (refused, reset: the target died between two health checks) is retried once on another
 * target when the request is idempotent and has no body — as HAProxy's `retries` + `option
 * redispatch` do — and counted, so a test can insist it never happened. Otherwise 502.
 */
import http from 'node:http';
import { Pool as UpstreamPool } from 'undici';
import type { Logger } from '../shared/logger.js';
import type { Pool, Target } from './pool.js';

export interface ProxyOptions {
  /** Longest wait for an upstream's headers, and between two chunks of its body. */
  upstreamTimeoutMs: number;
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRYABLE_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
/** Hop-by-hop headers (RFC 9110 §7.6.1), plus ones undici sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'http2-settings']);

export interface ProxyListener {
  server: http.Server;
  port: number;
  close(graceMs: number): Promise<void>;
}

/** One undici pool (keep-alive connections) per target, closed when the target leaves. */
export class Upstreams {
  private readonly pools = new WeakMap<Target, UpstreamPool>();
  private readonly open = new Set<UpstreamPool>();

  constructor(private readonly timeoutMs: number) {}

  for(target: Target): UpstreamPool {
    let pool = this.pools.get(target);
    if (!pool) {
      // undici closes an idle connection a second before the upstream's announced keep-alive
      // timeout, so a request never lands on a connection the upstream is closing.
      pool = new UpstreamPool(target.url.origin, { connections: 256, pipelining: 1, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
      this.pools.set(target, pool);
      this.open.add(pool);
    }
    return pool;
  }

  /** The target left its pool: let requests in flight finish, then close its connections. */
  retire(target: Target): void {
    const pool = this.pools.get(target);
    if (!pool) return;
    this.pools.delete(target);
    this.open.delete(pool);
    pool.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((p) => p.destroy().catch(() => {})));
    this.open.clear();
  }
}

export async function startProxy(pool: Pool, upstreams: Upstreams, host: string, port: number, log: Logger): Promise<ProxyListener> {
  const send = (req: http.IncomingMessage, res: http.ServerResponse, target: Target, retried: boolean, started: bigint): void => {
    target.activeRequests++;
    target.counters.requests++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      target.activeRequests--;
    };
    res.once('close', release);
    const bodyless = isBodyless(req);
    upstreams.for(target).stream(
      { path: req.url ?? '/', method: req.method as 'GET', headers: forwardHeaders(req), body: bodyless ? null : req },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, responseHeaders(headers));
        return res;
      },
      (err) => {
        if (!err) {
          target.counters.recordResponse(res.statusCode, elapsedMs(started));
          return;
        }
        release();
        const code = (err as NodeJS.ErrnoException).code ?? err.name;
        if (res.destroyed && !res.writableFinished) return; // the client went away first
        target.counters.errors++;
        pool.counters.errors++;
        if (!res.headersSent && !retried && bodyless && RETRYABLE_METHODS.has(req.method ?? '') && RETRYABLE_ERRORS.has(code)) {
          const next = pool.pick(target);
          if (next) {
            target.counters.retries++;
            pool.counters.retries++;
            log.warn({ pool: pool.name, target: target.id, retryOn: next.id, code }, 'upstream connection failed; retrying once on another target');
            send(req, res, next, true, started);
            return;
          }
        }
        log.warn({ pool: pool.name, target: target.id, code, err: err.message }, 'upstream request failed');
        if (!res.headersSent) reply(res, code.includes('TIMEOUT') ? 504 : 502, 'BadGateway', `target ${target.id} did not answer: ${code}`);
        else res.destroy();
      },
    );
  };

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    pool.counters.requests++;
    res.once('finish', () => pool.counters.recordResponse(res.statusCode, elapsedMs(started)));
    const target = pool.pick();
    if (!target) {
      pool.noTarget++;
      reply(res, 503, 'NoHealthyTarget', `pool ${pool.name} has no healthy target in service`);
      return;
    }
    send(req, res, target, false, started);
  });
  // Longer than clients' usual idle timeouts, like ALB's 60 s: the client closes first, never us mid-reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    async close(graceMs: number) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(deadline);
    },
  };
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function isBodyless(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

/** The client's headers minus hop-by-hop ones (and any it named in Connection), plus X-Forwarded-For/-Proto. */
function forwardHeaders(req: http.IncomingMessage): Record<string, string | string[]> {
  const named = req.headers.connection ? req.headers.connection.toLowerCase().split(',').map((s) => s.trim()) : [];
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out[name] = value;
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  if (!req.headers['x-forwarded-proto']) out['x-forwarded-proto'] = 'http';
  return out;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((s) => s.trim()) : [];
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

function reply(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message, details: {} } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
