/**
 * Load balancers for end-to-end tests, each a real process of its own: the built-in router
 * (`router/main.ts`, through the same entry point `npm run router` uses) or HAProxy (a private
 * haproxy with a generated config). Both expose one pool/backend "web" on a free loopback port,
 * the TrafficRouter driver the workers will use (for the test to look at counters), and the
 * loadBalancerInfo a deployment group needs to drive it. A missing haproxy binary throws: the
 * tests that need it fail loudly, they never skip.
 */
import { randomBytes } from 'node:crypto';
import { onTestFailed } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startTsx, until, type Proc } from './processes.js';
import { freePort } from './system.js';
import { BuiltinRouter } from '../../shared/traffic/builtin/builtin-router.js';
import { HaproxyRouter } from '../../shared/traffic/haproxy/haproxy-router.js';
import { startLocalHaproxy } from '../../shared/traffic/haproxy/local-haproxy.js';
import type { TrafficRouter } from '../../shared/traffic/traffic-router.js';

export type DriverName = 'builtin' | 'haproxy';

export const POOL = 'web';

/** Fast checks so tests do not wait: a target is healthy 0.2 s after registering. */
export const FAST_HEALTH_CHECK = { path: '/healthz', intervalSeconds: 0.2, timeoutSeconds: 0.2, healthyThresholdCount: 2, unhealthyThresholdCount: 2 };

export interface TestLoadBalancer {
  driver: DriverName;
  /** Where clients send requests. */
  url: string;
  router: TrafficRouter;
  loadBalancerInfo(overrides?: Record<string, unknown>): Record<string, unknown>;
  log(): string;
  stop(): Promise<void>;
}

export async function startLoadBalancer(driver: DriverName, dir: string): Promise<TestLoadBalancer> {
  await mkdir(dir, { recursive: true });
  return driver === 'builtin' ? startBuiltin(dir) : startHaproxy(dir);
}

const common = { targetGroupName: POOL, deregistrationDelaySeconds: 20, healthyTimeoutSeconds: 30, healthCheck: FAST_HEALTH_CHECK };

async function startBuiltin(dir: string): Promise<TestLoadBalancer> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const token = `router-${randomBytes(16).toString('hex')}`;
  const proc: Proc = startTsx('router', 'router/main.ts', ['--pool', `${POOL}=127.0.0.1:${port}`, '--admin', `127.0.0.1:${adminPort}`], { CUTOVER_ROUTER_TOKEN: token }, dir);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await until('the built-in router to answer', async () => ((await fetch(`${adminUrl}/healthz`)).ok ? true : undefined), 30_000);
  return {
    driver: 'builtin',
    url: `http://127.0.0.1:${port}/`,
    router: new BuiltinRouter({ adminUrl, adminToken: token, pool: POOL, timeoutMs: 3000 }),
    loadBalancerInfo: (overrides = {}) => ({ driver: 'builtin', ...common, builtin: { adminUrl, adminToken: token }, ...overrides }),
    log: () => proc.log(),
    stop: () => proc.kill(),
  };
}

async function startHaproxy(dir: string): Promise<TestLoadBalancer> {
  const port = await freePort();
  const haproxy = await startLocalHaproxy({ dir, backends: [{ name: POOL, bind: `127.0.0.1:${port}`, healthPath: '/healthz' }] });
  return {
    driver: 'haproxy',
    url: `http://127.0.0.1:${port}/`,
    router: new HaproxyRouter({ socketPath: haproxy.socketPath, backend: POOL, timeoutMs: 3000 }),
    loadBalancerInfo: (overrides = {}) => ({ driver: 'haproxy', ...common, haproxy: { socketPath: haproxy.socketPath }, ...overrides }),
    log: () => `haproxy config ${haproxy.configFile}, log ${path.basename(haproxy.logFile)}`,
    stop: () => haproxy.stop(),
  };
}

/** On a failing test, print every process's log and the load balancer's (a helper for the suites that use both). */
export function printLogsOnFailure(sys: { logs(): string }, lb: TestLoadBalancer): void {
  onTestFailed(() => {
    console.error(sys.logs());
    console.error(`----- ${lb.driver} load balancer -----\n${lb.log().slice(-20_000)}`);
  });
}
