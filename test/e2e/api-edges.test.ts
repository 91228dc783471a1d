/**
 * The api's edges (api/edges/): security headers, body limits per route, request deadlines, rate
 * limits per token and per address (429 + Retry-After), CORS off unless configured, webhook
 * secrets rotating with an overlap window, and logs that never hold a secret. Two systems: one
 * with the defaults, one configured with tiny limits, a CORS origin and a rotating secret.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sign } from '@octokit/webhooks-methods';
import { TestSystem } from '../helpers/system.js';
import { until } from '../helpers/processes.js';
import { requestTimeouts } from '../../api/edges/timeouts.js';
import { clientKey } from '../../api/edges/rate-limit.js';
import { createLogger, redactUrl } from '../../shared/logger.js';

const ORIGIN = 'https://dash.example.com';
const NEW_SECRET = randomBytes(20).toString('hex');
const OLD_SECRET = randomBytes(20).toString('hex');
/** The old secret's overlap ends this long after the configured system is asked to start. */
const OVERLAP_MS = 20_000;

let plain: TestSystem;
let tuned: TestSystem;
let overlapEnds: number;

beforeAll(async () => {
  overlapEnds = Date.now() + OVERLAP_MS;
  [plain, tuned] = await Promise.all([
    TestSystem.start({ label: 'edges', env: { LOG_LEVEL: 'debug' } }),
    TestSystem.start({
      label: 'edges-tuned',
      env: {
        CUTOVER_RATE_LIMIT_WINDOW_SECONDS: '60',
        CUTOVER_RATE_LIMIT_PER_TOKEN: '5',
        CUTOVER_RATE_LIMIT_PER_IP: '8',
        // Each test below speaks from an address of its own (X-Forwarded-For from the loopback proxy).
        CUTOVER_TRUST_PROXY: 'loopback',
        CUTOVER_REQUEST_TIMEOUT_MS: '1500',
        CUTOVER_CORS_ORIGINS: `${ORIGIN},http://localhost:5173`,
        CUTOVER_WEBHOOK_SECRET_EDGES: NEW_SECRET,
        CUTOVER_WEBHOOK_SECRET_EDGES_PREVIOUS: OLD_SECRET,
        CUTOVER_WEBHOOK_SECRET_EDGES_PREVIOUS_UNTIL: new Date(overlapEnds).toISOString(),
      },
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), tuned?.stop()]);
});

/**
 * The tuned system allows 5 requests per token per minute: its admin token is used at most 3
 * times in this file (CORS, the token test's control, SSE); other requests carry made-up tokens.
 */
/** Windows are fixed (aligned to the epoch): a count must not straddle a window's end. */
async function awayFromWindowEdge(windowMs = 60_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < 5000) await new Promise((r) => setTimeout(r, left + 50));
}

/** A client address of its own for each test of the tuned system, so one test's count is not another's. */
function from(ip: string, headers: Record<string, string> = {}): Record<string, string> {
  return { 'x-forwarded-for': ip, ...headers };
}

async function errorOf(res: Response): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const body = (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
  expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect(body.error).toHaveProperty('details');
  return body.error;
}

describe('security headers', () => {
  it('every answer carries helmet\'s headers, JSON and errors included', async () => {
    for (const res of [await fetch(`${plain.apiUrl}/healthz`), await fetch(`${plain.apiUrl}/v1/applications`), await fetch(`${plain.apiUrl}/nope`)]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('body limits', () => {
  it('a REST JSON body over 256 KB → 413 with the error shape; one under it is read', async () => {
    const big = { name: 'x'.repeat(300 * 1024) };
    const over = await fetch(`${plain.apiUrl}/v1/applications`, { method: 'POST', headers: { authorization: `Bearer ${plain.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(big) });
    expect(over.status).toBe(413);
    expect((await errorOf(over)).code).toBe('PayloadTooLargeException');
    const under = await fetch(`${plain.apiUrl}/v1/applications`, { method: 'POST', headers: { authorization: `Bearer ${plain.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(200 * 1024) }) });
    expect(under.status).toBe(400);
    expect((await errorOf(under)).code).not.toBe('PayloadTooLargeException');
  });

  it('agent reports keep their larger bound (script output): 600 KB is read, not refused for size', async () => {
    const res = await fetch(`${plain.apiUrl}/agent/v1/register`, { method: 'POST', headers: { authorization: `Bearer ${plain.enrollToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'not a name!', hostname: 'x'.repeat(600 * 1024) }) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).not.toBe('PayloadTooLargeException');
  });
});

describe('CORS', () => {
  it('is off by default: no CORS header for any origin, preflights included', async () => {
    const get = await fetch(`${plain.apiUrl}/v1/applications`, { headers: { origin: ORIGIN, authorization: `Bearer ${plain.adminToken}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${plain.apiUrl}/v1/applications`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('allows exactly the configured origins', async () => {
    const get = await fetch(`${tuned.apiUrl}/v1/applications`, { headers: from('198.51.100.1', { origin: ORIGIN, authorization: `Bearer ${tuned.adminToken}` }) });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(get.headers.get('vary')).toMatch(/origin/i);
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(`${tuned.apiUrl}/v1/deployments`, { method: 'OPTIONS', headers: from('198.51.100.1', { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' }) });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const other = await fetch(`${tuned.apiUrl}/v1/applications`, { headers: from('198.51.100.1', { origin: 'https://evil.example' }) });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limits', () => {
  it('per token: the 6th request of a window with one token → 429 ThrottlingException with Retry-After', async () => {
    await awayFromWindowEdge();
    const token = `any-${randomBytes(8).toString('hex')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Two addresses, so the per-address limit (8) is not what answers.
      const res = await fetch(`${tuned.apiUrl}/v1/applications`, { headers: from(`198.51.100.${10 + (i % 2)}`, { authorization: `Bearer ${token}` }) });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const sixth = await fetch(`${tuned.apiUrl}/v1/applications`, { headers: from('198.51.100.12', { authorization: `Bearer ${token}` }) });
    expect(sixth.status).toBe(429);
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = await errorOf(sixth);
    expect(error.code).toBe('ThrottlingException');
    expect(error.details).toMatchObject({ scope: 'token', limit: 5, windowSeconds: 60 });
    // Another token from the same address goes on.
    const other = await fetch(`${tuned.apiUrl}/v1/applications`, { headers: from('198.51.100.12', { authorization: `Bearer ${tuned.adminToken}` }) });
    expect(other.status).toBe(200);
  });

  it('per address: the 9th request of a window from one address → 429, tokens or not; /healthz is never counted', async () => {
    await awayFromWindowEdge();
    for (let i = 0; i < 3; i++) expect((await fetch(`${tuned.apiUrl}/healthz`, { headers: from('203.0.113.9') })).status).toBe(200);
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${tuned.apiUrl}/v1/deployments/d-NOTHERE00`, { headers: from('203.0.113.9', { authorization: `Bearer t-${i}` }) });
      expect(res.status).not.toBe(429);
    }
    const ninth = await fetch(`${tuned.apiUrl}/v1/deployments/d-NOTHERE00`, { headers: from('203.0.113.9', { authorization: 'Bearer t-9' }) });
    expect(ninth.status).toBe(429);
    expect(Number(ninth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(ninth)).details).toMatchObject({ scope: 'ip', limit: 8 });
    expect((await fetch(`${tuned.apiUrl}/healthz`, { headers: from('203.0.113.9') })).status).toBe(200);
  });

  it('an IPv6 client is counted by its /64; an IPv4-mapped address as IPv4', () => {
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('request deadlines', () => {
  it('a body that stops arriving → 408 RequestTimeoutException (JSON) and the connection closes', async () => {
    const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
      const socket = connect(tuned.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve([Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]), answer.slice(answer.indexOf('\r\n\r\n') + 4)]));
      socket.write(`POST /v1/applications HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.30\r\nAuthorization: Bearer any-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`);
    });
    expect(status).toBe(408);
    expect(JSON.parse(body).error).toMatchObject({ code: 'RequestTimeoutException', details: { timeoutMs: 1500 } });
  });

  it('SSE streams are exempt: /v1/events stays open past the deadline', async () => {
    const controller = new AbortController();
    const res = await fetch(`${tuned.apiUrl}/v1/events`, { headers: from('198.51.100.31', { authorization: `Bearer ${tuned.adminToken}` }), signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const read = reader.read().then(() => 'data', () => 'closed');
    await new Promise((r) => setTimeout(r, 2500));
    const state = await Promise.race([read.then((r) => r), new Promise((r) => setTimeout(() => r('open'), 10))]);
    // Either still waiting or a heartbeat/data arrived; never the deadline's answer (which would have closed it).
    expect(['open', 'data']).toContain(state);
    controller.abort();
  });

  it('a handler slower than the deadline → 503 ServiceUnavailableException with Retry-After; streams and fast routes untouched', async () => {
    const app = express();
    app.use(requestTimeouts({ requestMs: 100, uploadMs: 1000 }));
    app.get('/slow', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      if (!res.headersSent) res.json({ late: true });
    });
    app.get('/v1/events', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.json({ stream: 'not cut' });
    });
    app.get('/fast', (_req, res) => res.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const slow = await fetch(`${base}/slow`);
      expect(slow.status).toBe(503);
      expect(slow.headers.get('retry-after')).toBe('1');
      expect((await errorOf(slow)).code).toBe('ServiceUnavailableException');
      expect((await fetch(`${base}/v1/events`)).status).toBe(200);
      expect((await fetch(`${base}/fast`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('webhook secret rotation', () => {
  async function ping(secret: string, ip: string): Promise<Response> {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    return fetch(`${tuned.apiUrl}/webhooks/github`, {
      method: 'POST',
      headers: from(ip, { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(secret, body) }),
      body,
    });
  }

  it('the previous secret works next to the new one until its time, then is refused (401); the new one goes on', async () => {
    onTestFailed(() => console.error(tuned.logs()));
    expect(Date.now()).toBeLessThan(overlapEnds);
    expect((await ping(OLD_SECRET, '198.51.100.40')).status).toBe(200);
    expect((await ping(NEW_SECRET, '198.51.100.40')).status).toBe(200);
    expect((await ping('not-the-secret-at-all', '198.51.100.40')).status).toBe(401);
    await until('the overlap window to end', async () => (Date.now() > overlapEnds + 200 ? true : undefined), OVERLAP_MS + 5000);
    const late = await ping(OLD_SECRET, '198.51.100.41');
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe('UnauthorizedException');
    expect((await ping(NEW_SECRET, '198.51.100.41')).status).toBe(200);
    expect(tuned.logs()).toContain('webhook signed with the previous secret');
  }, OVERLAP_MS + 20_000);
});

describe('logs hold no secrets', () => {
  const SECRETS = {
    bearer: `tok-${randomBytes(12).toString('hex')}`,
    query: `qs-${randomBytes(12).toString('hex')}`,
    cookie: `ck-${randomBytes(12).toString('hex')}`,
    gitlab: `gl-${randomBytes(12).toString('hex')}`,
    slack: `sl-${randomBytes(12).toString('hex')}`,
    hookSecret: `wh-${randomBytes(12).toString('hex')}`,
    password: `pw-${randomBytes(12).toString('hex')}`,
  };

  it('the api logs requests carrying tokens, cookies, Slack and webhook URLs without any of them', async () => {
    const admin = { authorization: `Bearer ${plain.adminToken}` };
    await fetch(`${plain.apiUrl}/v1/applications/nope?after=1&token=${SECRETS.query}`, { headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: `session=${SECRETS.cookie}` } });
    await fetch(`${plain.apiUrl}/webhooks/gitlab`, { method: 'POST', headers: { 'x-gitlab-token': SECRETS.gitlab, 'content-type': 'application/json' }, body: '{}' });
    await plain.rest.createApplication('redact');
    const group = {
      name: 'g',
      triggerConfigurations: [
        {
          triggerName: 't',
          triggerEvents: ['DeploymentFailure'],
          targets: [
            { type: 'slack', url: `http://127.0.0.1:1/services/T000/B000/${SECRETS.slack}` },
            { type: 'webhook', url: `http://127.0.0.1:1/hook/${SECRETS.slack}`, secret: SECRETS.hookSecret },
          ],
        },
      ],
    };
    expect((await fetch(`${plain.apiUrl}/v1/applications/redact/deployment-groups`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(group) })).status).toBe(201);
    // A test send to unreachable targets: the failures are logged by whoever sends them.
    await fetch(`${plain.apiUrl}/v1/applications/redact/deployment-groups/g/triggers/t/test`, { method: 'POST', headers: admin });
    await new Promise((r) => setTimeout(r, 500));
    const logs = plain.logs();
    expect(logs).toContain('/v1/applications/nope');
    expect(logs).toContain('[redacted]');
    for (const [what, secret] of Object.entries(SECRETS)) expect(logs, what).not.toContain(secret);
    expect(logs).not.toContain(plain.adminToken);
  });

  it('the logger blanks secret fields at any of the first three levels, and secret query parameters', async () => {
    const lines: string[] = [];
    const log = createLogger('info', 'redaction', new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
    log.info({ token: SECRETS.bearer, password: SECRETS.password, webhookUrl: `https://hooks.slack.com/services/${SECRETS.slack}` }, 'top');
    log.info({ config: { smtpUrl: `smtp://u:${SECRETS.password}@mail`, credentials: [{ password: SECRETS.password }] } }, 'one down');
    log.info({ deps: { git: { secret: SECRETS.hookSecret, cloneUrl: `https://x:${SECRETS.password}@git.example/r.git` } } }, 'two down');
    log.info({ group: { triggerConfigurations: [{ targets: [{ type: 'slack', url: `https://hooks.slack.com/${SECRETS.slack}` }] }] } }, 'targets');
    log.info({ req: { url: redactUrl(`/v1/x?access_token=${SECRETS.query}&after=5`), headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie } } }, 'request');
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(out).toContain('after=5');
    for (const [what, secret] of Object.entries(SECRETS)) expect(out, what).not.toContain(secret);
  });
});
