/**
 * The built-in router in-process (startRouter, as `npm run router` runs it) against small local
 * upstreams: the admin API's token and input checks, proxying and counters, draining, the one
 * retry on a refused connection, and the state file.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startRouter, type RouterHandle } from '../../router/start-router.js';
import { createLogger } from '../../shared/logger.js';
import { until } from '../helpers/processes.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const TOKEN = 'router-test-token-0123456789';
const FAST = { path: '/healthz', intervalSeconds: 0.1, timeoutSeconds: 0.1, healthyThresholdCount: 1, unhealthyThresholdCount: 2 };
const log = createLogger('silent', 'router-test');
const tempDir = useTempDirs('router');

interface Upstream {
  name: string;
  port: number;
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(name: string): Promise<Upstream> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/slow') {
      setTimeout(() => res.end(JSON.stringify({ name, slow: true })), Number(url.searchParams.get('ms')));
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ name, echo: Buffer.concat(chunks).toString() })));
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { name, port, seen, close };
}

async function router(stateFile?: string): Promise<RouterHandle> {
  const handle = await startRouter({ pools: [{ name: 'web', listen: '127.0.0.1:0' }], admin: '127.0.0.1:0', adminToken: TOKEN, stateFile, upstreamTimeoutMs: 5000, shutdownGraceMs: 500 }, log);
  cleanups.push(() => handle.close());
  return handle;
}

async function admin(r: RouterHandle, method: string, p: string, body?: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${r.adminUrl}${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function register(r: RouterHandle, id: string, port: number, healthCheck = FAST, weight = 100) {
  const answer = await admin(r, 'PUT', `/v1/pools/web/targets/${id}`, { address: `127.0.0.1:${port}`, weight, healthCheck });
  expect(answer.status).toBe(200);
  await until(`${id} healthy`, async () => ((await admin(r, 'GET', `/v1/pools/web/targets/${id}`)).body.health === 'healthy' ? true : undefined), 5000, 20);
}

const dataUrl = (r: RouterHandle, p = '/') => `http://127.0.0.1:${r.ports.get('web')}${p}`;

describe('admin API', () => {
  it('refuses a request without the token, or with a wrong one; /healthz is open', async () => {
    const r = await router();
    for (const token of [null, 'wrong-token-0123456789']) {
      const answer = await admin(r, 'GET', '/v1/pools', undefined, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'UnauthorizedException' });
    }
    const put = await admin(r, 'PUT', '/v1/pools/web/targets/a', { address: '127.0.0.1:1' }, null);
    expect(put.status).toBe(401);
    expect((await admin(r, 'GET', '/v1/pools')).body.pools[0].targets).toEqual([]);
    expect((await admin(r, 'GET', '/healthz', undefined, null)).status).toBe(200);
  });

  it('answers bad input with 4xx and changes nothing', async () => {
    const r = await router();
    const cases: [string, string, unknown, number, string][] = [
      ['PUT', '/v1/pools/web/targets/a', { address: 'not-an-address' }, 400, 'ValidationException'],
      ['PUT', '/v1/pools/web/targets/a', { address: '127.0.0.1:80', surprise: 1 }, 400, 'ValidationException'],
      ['PUT', '/v1/pools/web/targets/a', { address: '127.0.0.1:80', weight: 1000 }, 400, 'ValidationException'],
      ['PUT', '/v1/pools/web/targets/a', '{not json', 400, 'InvalidRequestException'],
      ['PUT', '/v1/pools/web/targets/bad%20id', { address: '127.0.0.1:80' }, 400, 'ValidationException'],
      ['PUT', '/v1/pools/nope/targets/a', { address: '127.0.0.1:80' }, 404, 'PoolNotFoundException'],
      ['POST', '/v1/pools/web/targets/ghost/drain', undefined, 404, 'TargetNotFoundException'],
      ['GET', '/v1/pools/web/targets/ghost', undefined, 404, 'TargetNotFoundException'],
    ];
    for (const [method, p, body, status, code] of cases) {
      const answer = await admin(r, method, p, body);
      expect([method, p, answer.status, answer.body?.error?.code]).toEqual([method, p, status, code]);
    }
    expect((await admin(r, 'GET', '/v1/pools/web')).body.targets).toEqual([]);
    // DELETE is idempotent.
    expect((await admin(r, 'DELETE', '/v1/pools/web/targets/ghost')).status).toBe(204);
  });
});

describe('proxying', () => {
  it('spreads requests by weight, forwards bodies and X-Forwarded-For, and counts per target', async () => {
    const r = await router();
    const [a, b] = [await upstream('a'), await upstream('b')];
    await register(r, 'a', a.port, FAST, 90);
    await register(r, 'b', b.port, FAST, 30);
    const names: string[] = [];
    for (let i = 0; i < 8; i++) names.push(((await (await fetch(dataUrl(r))).json()) as { name: string }).name);
    expect(names.filter((n) => n === 'a')).toHaveLength(6);
    expect(a.seen.filter((h) => h['x-forwarded-for'] === '127.0.0.1').length).toBeGreaterThanOrEqual(6);

    const post = await fetch(dataUrl(r, '/echo'), { method: 'POST', body: 'hello through the router' });
    expect(((await post.json()) as { echo: string }).echo).toBe('hello through the router');

    const pool = (await admin(r, 'GET', '/v1/pools/web')).body;
    expect(pool.counters).toMatchObject({ requests: 9, responses: { '2xx': 9 }, errors: 0, retries: 0, noTarget: 0 });
    const byId = Object.fromEntries(pool.targets.map((t: { id: string }) => [t.id, t]));
    expect(byId.a.counters.requests + byId.b.counters.requests).toBe(9);
    expect(byId.a.counters.latency.count).toBe(byId.a.counters.requests);
  });

  it('answers 503 when no target is healthy, and a new target takes traffic only once its check passes', async () => {
    const r = await router();
    const a = await upstream('a');
    expect((await fetch(dataUrl(r))).status).toBe(503);
    await admin(r, 'PUT', '/v1/pools/web/targets/a', { address: `127.0.0.1:${a.port}`, healthCheck: { ...FAST, intervalSeconds: 0.3, healthyThresholdCount: 2 } });
    expect((await fetch(dataUrl(r))).status).toBe(503); // registered, not yet healthy
    await until('a healthy', async () => ((await fetch(dataUrl(r))).status === 200 ? true : undefined), 5000, 50);
  });

  it('drain: no new requests go to a draining target, the one in flight finishes, and it is counted until then', async () => {
    const r = await router();
    const a = await upstream('a');
    await register(r, 'a', a.port);
    const slow = fetch(dataUrl(r, '/slow?ms=800')).then(async (res) => ({ status: res.status, body: await res.json() }));
    await until('the slow request in flight', async () => ((await admin(r, 'GET', '/v1/pools/web/targets/a')).body.activeRequests === 1 ? true : undefined), 2000, 10);
    const drained = await admin(r, 'POST', '/v1/pools/web/targets/a/drain');
    expect(drained.body).toMatchObject({ admin: 'draining', activeRequests: 1 });
    expect((await fetch(dataUrl(r))).status).toBe(503);
    expect(await slow).toEqual({ status: 200, body: { name: 'a', slow: true } });
    expect((await admin(r, 'GET', '/v1/pools/web/targets/a')).body.activeRequests).toBe(0);
  });

  it('a target that stopped listening before its health check noticed: the request is retried once on another, and counted', async () => {
    const r = await router();
    const [a, b] = [await upstream('a'), await upstream('b')];
    const slowChecks = { ...FAST, intervalSeconds: 60, timeoutSeconds: 1 };
    await register(r, 'a', a.port, slowChecks);
    await register(r, 'b', b.port, slowChecks);
    await b.close();
    const answers = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(dataUrl(r))).status));
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    const pool = (await admin(r, 'GET', '/v1/pools/web')).body;
    expect(pool.counters.retries).toBeGreaterThan(0);
    expect(pool.targets.find((t: { id: string }) => t.id === 'b').counters.errors).toBe(pool.counters.retries);
  });
});

describe('state file', () => {
  it('a restarted router serves the same targets again (after a fresh health check)', async () => {
    const file = path.join(await tempDir(), 'router-state.json');
    const a = await upstream('a');
    const first = await router(file);
    await register(first, 'a', a.port);
    await first.close();
    const second = await router(file);
    await until('a healthy again', async () => ((await fetch(dataUrl(second))).status === 200 ? true : undefined), 5000, 50);
    expect((await admin(second, 'GET', '/v1/pools/web/targets/a')).body).toMatchObject({ address: `127.0.0.1:${a.port}`, weight: 100, admin: 'in-service' });
  });
});
