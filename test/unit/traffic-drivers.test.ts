/**
 * The TrafficRouter contract, run against both drivers: the built-in router (in-process) and a
 * real HAProxy (a private process; a missing binary fails these tests, it does not skip them).
 * Then the faults every driver must turn into a clear TrafficRouterError, quickly: nothing
 * listening, a silent peer, a wrong token, a backend HAProxy does not have.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouter, type RouterHandle } from '../../router/start-router.js';
import { createLogger } from '../../shared/logger.js';
import { BuiltinRouter } from '../../shared/traffic/builtin/builtin-router.js';
import { HaproxyRouter } from '../../shared/traffic/haproxy/haproxy-router.js';
import { startLocalHaproxy, type LocalHaproxy } from '../../shared/traffic/haproxy/local-haproxy.js';
import { TrafficRouterError, type TrafficRouter, type TrafficTarget } from '../../shared/traffic/traffic-router.js';
import { until } from '../helpers/processes.js';
import { freePort } from '../helpers/system.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';

const TOKEN = 'driver-test-token-0123456789';
const CHECKS = { path: '/healthz', intervalSeconds: 0.1, timeoutSeconds: 0.1, healthyThresholdCount: 2, unhealthyThresholdCount: 2 };

let dir: string;
let upstream: http.Server;
let upstreamPort: number;
let builtin: RouterHandle;
let haproxy: LocalHaproxy;
const lbPorts: Record<string, number> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-drivers-'));
  upstream = http.createServer((_req, res) => res.end('{"ok":true}'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
  builtin = await startRouter({ pools: [{ name: 'web', listen: '127.0.0.1:0' }], admin: '127.0.0.1:0', adminToken: TOKEN, upstreamTimeoutMs: 5000, shutdownGraceMs: 200 }, createLogger('silent', 't'));
  lbPorts.builtin = builtin.ports.get('web')!;
  lbPorts.haproxy = await freePort();
  haproxy = await startLocalHaproxy({ dir, backends: [{ name: 'web', bind: `127.0.0.1:${lbPorts.haproxy}` }] });
});

afterAll(async () => {
  await builtin?.close();
  await haproxy?.stop();
  upstream?.closeAllConnections();
  upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

const drivers: Record<string, () => TrafficRouter> = {
  builtin: () => new BuiltinRouter({ adminUrl: builtin.adminUrl, adminToken: TOKEN, pool: 'web', timeoutMs: 2000 }),
  haproxy: () => new HaproxyRouter({ socketPath: haproxy.socketPath, backend: 'web', timeoutMs: 2000 }),
};

describe.each(Object.keys(drivers))('the %s driver', (name) => {
  const target = (): TrafficTarget => ({ id: `app-${name}`, host: '127.0.0.1', port: upstreamPort });

  it('registers a target that takes traffic once healthy; drains, removes and registers it again; all idempotent', async () => {
    const router = drivers[name]();
    expect(await router.describe(target())).toMatchObject({ admin: 'out-of-service', activeRequests: 0 });
    await router.deregister(target()); // absent: fine
    await router.remove(target());

    await router.register(target(), { weight: 50, healthCheck: CHECKS });
    await until('in service and healthy', async () => {
      await router.register(target(), { weight: 50, healthCheck: CHECKS }); // what AllowTraffic does on every look
      const view = await router.describe(target());
      return view.admin === 'in-service' && view.health === 'healthy' ? view : undefined;
    }, 10_000, 100);
    expect((await router.describe(target())).weight).toBe(50);
    const res = await fetch(`http://127.0.0.1:${lbPorts[name]}/`);
    expect(res.status).toBe(200);

    await router.setWeight(target(), 20);
    expect((await router.describe(target())).weight).toBe(20);

    await router.deregister(target());
    await router.deregister(target());
    expect(await router.describe(target())).toMatchObject({ admin: 'draining', activeRequests: 0 });
    await router.remove(target());
    await router.remove(target());
    expect((await router.describe(target())).admin).toBe('out-of-service');
    expect((await fetch(`http://127.0.0.1:${lbPorts[name]}/`)).status).toBe(503);

    // Back again: not before its health check has passed again.
    await router.register(target(), { weight: 50, healthCheck: CHECKS });
    expect((await router.describe(target())).health === 'healthy' && (await router.describe(target())).admin === 'in-service').toBe(false);
    await until('healthy again', async () => {
      await router.register(target(), { weight: 50, healthCheck: CHECKS });
      const view = await router.describe(target());
      return view.admin === 'in-service' && view.health === 'healthy' ? true : undefined;
    }, 10_000, 100);

    const stats = await router.stats();
    expect(stats.targets.find((t) => t.id === target().id)).toMatchObject({ admin: 'in-service', health: 'healthy' });
    expect(stats.requests).toBeGreaterThanOrEqual(1);
    await router.remove(target());
  });
});

describe('faults become TrafficRouterErrors, quickly', () => {
  const t: TrafficTarget = { id: 'x', host: '127.0.0.1', port: 1 };

  async function expectFault(router: TrafficRouter, pattern: RegExp, withinMs: number): Promise<void> {
    const started = Date.now();
    const err = await router.describe(t).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TrafficRouterError);
    expect((err as Error).message).toMatch(pattern);
    expect(Date.now() - started).toBeLessThan(withinMs);
  }

  it('built-in router: nothing listening', async () => {
    const port = await freePort();
    await expectFault(new BuiltinRouter({ adminUrl: `http://127.0.0.1:${port}`, adminToken: TOKEN, pool: 'web', timeoutMs: 2000 }), /admin API at http:\/\/127\.0\.0\.1:\d+ is unreachable: .*ECONNREFUSED/, 2000);
  });

  it('built-in router: a peer that accepts and never answers', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      await expectFault(new BuiltinRouter({ adminUrl: `http://127.0.0.1:${port}`, adminToken: TOKEN, pool: 'web', timeoutMs: 300 }), /no answer within 300 ms/, 2000);
    } finally {
      silent.close();
    }
  });

  it('built-in router: a wrong token, a pool it does not have', async () => {
    await expectFault(new BuiltinRouter({ adminUrl: builtin.adminUrl, adminToken: 'not-the-token-0123456789', pool: 'web', timeoutMs: 2000 }), /refused the admin token \(401\)/, 2000);
    await expectFault(new BuiltinRouter({ adminUrl: builtin.adminUrl, adminToken: TOKEN, pool: 'nope', timeoutMs: 2000 }), /404: The router has no pool named nope/, 2000);
  });

  it('HAProxy: no socket, a silent socket, a backend it does not have', async () => {
    await expectFault(new HaproxyRouter({ socketPath: path.join(dir, 'missing.sock'), backend: 'web', timeoutMs: 2000 }), /missing\.sock is unreachable: ENOENT/, 2000);
    const silentPath = path.join(dir, 'silent.sock');
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(silentPath, resolve));
    try {
      await expectFault(new HaproxyRouter({ socketPath: silentPath, backend: 'web', timeoutMs: 300 }), /did not answer within 300 ms/, 2000);
    } finally {
      silent.close();
    }
    await expectFault(new HaproxyRouter({ socketPath: haproxy.socketPath, backend: 'nope', timeoutMs: 2000 }), /HAProxy refused "show servers state"/, 2000);
  });
});
