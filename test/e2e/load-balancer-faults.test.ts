/**
 * Load balancer bad input and faults, end to end: REST validation and secret redaction, an
 * instance without a target address (the deployment fails at start, not halfway), an unreachable,
 * a silent and a missing load balancer (the instance fails with a clear diagnostic, never hangs),
 * and a host whose health check never passes (AllowTraffic times out, the host stays out).
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestSystem, freePort } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';
import { slowAppBundle } from '../helpers/lb-bundles.js';
import { startLoadBalancer, FAST_HEALTH_CHECK, type TestLoadBalancer } from '../helpers/load-balancers.js';

const APP = 'faults';
const TOKEN = 'a-router-token-that-is-long-enough';
let sys: TestSystem;
let lb: TestLoadBalancer;
let silent: net.Server;
let silentPort: number;
let bundle: string;

type Event = { lifecycleEventName: string; status: string; diagnostics?: { errorCode: string; message: string } };

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'lb-faults', env: { CUTOVER_TRAFFIC_POLL_MS: '200', CUTOVER_TRAFFIC_CALL_TIMEOUT_MS: '1000' } });
  lb = await startLoadBalancer('builtin', path.join(sys.dir, 'lb'));
  silent = net.createServer(() => {}); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
  // host-1's address is its app port, where nothing listens until a bundle starts an app; host-2 names none.
  const appPort = await freePort();
  await Promise.all([
    sys.startAgent('host-1', { app: APP, role: 'addressed', 'cutover:target': `127.0.0.1:${appPort}` }, { APP_PORT: String(appPort) }),
    sys.startAgent('host-2', { app: APP }),
  ]);
  await sys.rest.createApplication(APP);
  bundle = await sys.rest.upload(APP, await makeBundle({}));
});

afterAll(async () => {
  silent?.close();
  await lb?.stop();
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(sys.logs()));
}

const builtinInfo = (adminUrl: string, extra: Record<string, unknown> = {}) => ({
  driver: 'builtin',
  targetGroupName: 'web',
  healthCheck: FAST_HEALTH_CHECK,
  builtin: { adminUrl, adminToken: TOKEN },
  ...extra,
});

function groupBody(name: string, loadBalancerInfo: unknown, role = 'addressed') {
  return {
    name,
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    instanceTagFilters: [{ key: 'role', value: role }],
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    loadBalancerInfo,
  };
}

async function createGroup(body: Record<string, unknown>): Promise<void> {
  await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, body);
}

async function failedEvent(deploymentId: string, instance: string, name: string): Promise<Event> {
  const target = (await sys.rest.targets(deploymentId)).find((t: { targetId: string }) => t.targetId === instance);
  return target.lifecycleEvents.find((e: Event) => e.lifecycleEventName === name);
}

describe('deployment groups with a load balancer (REST)', () => {
  it('refuses bad loadBalancerInfo with a 400 and writes nothing', async () => {
    const good = builtinInfo('http://127.0.0.1:9901');
    const cases: [string, unknown, RegExp][] = [
      ['no loadBalancerInfo', { ...groupBody('g1', undefined), loadBalancerInfo: undefined }, /WITH_TRAFFIC_CONTROL needs loadBalancerInfo/],
      ['builtin without its settings', groupBody('g2', { ...good, builtin: undefined }), /builtin driver needs builtin/],
      ['haproxy without a socket', groupBody('g3', { driver: 'haproxy', targetGroupName: 'web' }), /haproxy driver needs haproxy/],
      ['the other driver’s settings too', groupBody('g4', { ...good, haproxy: { socketPath: '/run/haproxy.sock' } }), /only the settings of the driver/],
      ['a short token', groupBody('g5', { ...good, builtin: { adminUrl: 'http://127.0.0.1:9901', adminToken: 'short' } }), /at least 16 characters/],
      ['not a URL', groupBody('g6', { ...good, builtin: { adminUrl: 'localhost:9901', adminToken: TOKEN } }), /http\(s\) URL/],
      ['a misspelt field', groupBody('g7', { ...good, deregistrationDelay: 5 }), /Unrecognized key/i],
      ['a check timeout above its interval', groupBody('g8', { ...good, healthCheck: { intervalSeconds: 1, timeoutSeconds: 2 } }), /timeoutSeconds must not exceed intervalSeconds/],
      ['a relative socket path', groupBody('g9', { driver: 'haproxy', targetGroupName: 'web', haproxy: { socketPath: 'admin.sock' } }), /absolute path/],
    ];
    for (const [what, body, message] of cases) {
      const answer = await sys.rest.request('POST', `/v1/applications/${APP}/deployment-groups`, body);
      expect([what, answer.status, answer.body.error?.code]).toEqual([what, 400, 'ValidationException']);
      expect(JSON.stringify(answer.body.error), what).toMatch(message);
    }
    expect((await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups`)).deploymentGroups).toEqual([]);
  });

  it('fills in defaults and never answers the router token in clear', async () => {
    const created = await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, groupBody('shown', { driver: 'builtin', targetGroupName: 'web', builtin: { adminUrl: 'http://127.0.0.1:9901', adminToken: TOKEN } }));
    expect(created.deploymentStyle).toEqual({ deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' });
    expect(created.loadBalancerInfo).toEqual({
      driver: 'builtin',
      targetGroupName: 'web',
      targetAddressTag: 'cutover:target',
      weight: 100,
      deregistrationDelaySeconds: 30,
      healthyTimeoutSeconds: 300,
      healthCheck: { path: '/healthz', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 3, unhealthyThresholdCount: 2 },
      builtin: { adminUrl: 'http://127.0.0.1:9901', adminToken: '[redacted]' },
    });
    const read = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/shown`);
    const listed = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups`);
    expect(JSON.stringify([read, listed])).not.toContain(TOKEN);
  });
});

describe('faults', () => {
  it('an instance without a target address fails the deployment when it starts (ELB_INVALID_INSTANCE), before any host is touched', async () => {
    printLogsOnFailure();
    await createGroup({ ...groupBody('everyone', builtinInfo('http://127.0.0.1:9901')), instanceTagFilters: [{ key: 'app', value: APP }] });
    const id = await sys.rest.deploy(APP, 'everyone', bundle);
    const d = await sys.rest.finished(id, 'Failed', 20_000);
    expect(d.errorInformation.code).toBe('ELB_INVALID_INSTANCE');
    expect(d.errorInformation.message).toMatch(/host-2 has no cutover:target tag/);
    expect(await sys.rest.targets(id)).toEqual([]);
    expect(JSON.stringify(d)).not.toContain(TOKEN);
  });

  it('an unreachable router, a silent one and a missing HAProxy socket each fail the instance at BlockTraffic with a clear diagnostic', async () => {
    printLogsOnFailure();
    const closedPort = await freePort();
    const groups: [string, unknown, RegExp][] = [
      ['unreachable', builtinInfo(`http://127.0.0.1:${closedPort}`), /admin API at http:\/\/127\.0\.0\.1:\d+ is unreachable: .*ECONNREFUSED/],
      ['silent', builtinInfo(`http://127.0.0.1:${silentPort}`), /is unreachable: no answer within 1000 ms/],
      ['no-socket', { driver: 'haproxy', targetGroupName: 'web', haproxy: { socketPath: path.join(sys.dir, 'no-haproxy.sock') } }, /no-haproxy\.sock is unreachable: ENOENT/],
    ];
    for (const [name, info] of groups) await createGroup(groupBody(name, info));
    const started = Date.now();
    const ids = await Promise.all(groups.map(([name]) => sys.rest.deploy(APP, name, bundle)));
    for (const [i, [name, , message]] of groups.entries()) {
      const d = await sys.rest.finished(ids[i], 'Failed', 30_000);
      expect(d.errorInformation.code, name).toBe('HEALTH_CONSTRAINTS');
      const block = await failedEvent(ids[i], 'host-1', 'BlockTraffic');
      expect(block.status, name).toBe('Failed');
      expect(block.diagnostics!.errorCode, name).toBe('UnknownError');
      expect(block.diagnostics!.message, name).toMatch(message);
      expect((await failedEvent(ids[i], 'host-1', 'ApplicationStop')).status).toBe('Skipped');
    }
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('a host whose health check never passes fails at AllowTraffic when its timeout runs out, and is taken out again', async () => {
    printLogsOnFailure();
    await createGroup(groupBody('never-healthy', lb.loadBalancerInfo({ healthyTimeoutSeconds: 2 })));
    const id = await sys.rest.deploy(APP, 'never-healthy', bundle);
    await sys.rest.finished(id, 'Failed', 30_000);
    const allow = await failedEvent(id, 'host-1', 'AllowTraffic');
    expect(allow.status).toBe('Failed');
    expect(allow.diagnostics!.errorCode).toBe('UnknownError');
    expect(allow.diagnostics!.message).toMatch(/health check did not pass within 2 s; the instance was taken out again\. Last seen: in-service, unhealthy; last health check failed: GET \/healthz: ECONNREFUSED/);
    expect((await failedEvent(id, 'host-1', 'AfterAllowTraffic')).status).toBe('Skipped');
    expect((await lb.router.describe({ id: 'host-1', host: '127.0.0.1', port: 1 })).admin).toBe('out-of-service');
  });

  it('a stop while AllowTraffic waits for a health check ends it at once (not after healthyTimeoutSeconds), and the host stays out', async () => {
    printLogsOnFailure();
    await createGroup(groupBody('stop-while-allowing', lb.loadBalancerInfo({ healthyTimeoutSeconds: 300 })));
    const id = await sys.rest.deploy(APP, 'stop-while-allowing', bundle);
    await until('AllowTraffic to be waiting', async () => {
      const targets = await sys.rest.targets(id);
      const host = targets.find((t: { targetId: string }) => t.targetId === 'host-1');
      return host?.lifecycleEvents.find((e: Event) => e.lifecycleEventName === 'AllowTraffic')?.status === 'InProgress' ? true : undefined;
    }, 30_000);
    const stoppedAt = Date.now();
    expect((await sys.rest.request('POST', `/v1/deployments/${id}/stop`, {})).status).toBe(200);
    const d = await sys.rest.finished(id, 'Stopped', 30_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(d.errorInformation.code).toBe('MANUAL_STOP');
    const allow = await failedEvent(id, 'host-1', 'AllowTraffic');
    expect(allow.status).toBe('Failed');
    expect(allow.diagnostics!.message).toMatch(/stopped while AllowTraffic waited/);
    expect((await lb.router.describe({ id: 'host-1', host: '127.0.0.1', port: 1 })).admin).toBe('out-of-service');
  });

  it('BeforeBlockTraffic and AfterBlockTraffic run the last successful revision\'s scripts, the allow hooks the new one\'s', async () => {
    printLogsOnFailure();
    await createGroup(groupBody('hooks', lb.loadBalancerInfo()));
    const first = await sys.rest.deploy(APP, 'hooks', await sys.rest.upload(APP, await slowAppBundle('1', { trafficHooks: true })));
    await sys.rest.finished(first, 'Succeeded');
    const status = async (id: string, name: string) => (await failedEvent(id, 'host-1', name)).status;
    // Nothing installed before: the block hooks have nothing to run.
    expect([await status(first, 'BeforeBlockTraffic'), await status(first, 'AfterBlockTraffic'), await status(first, 'BeforeAllowTraffic')]).toEqual(['Skipped', 'Skipped', 'Succeeded']);

    const second = await sys.rest.deploy(APP, 'hooks', await sys.rest.upload(APP, await slowAppBundle('2', { trafficHooks: true })));
    await sys.rest.finished(second, 'Succeeded');
    const log = await sys.rest.log(second, 'host-1');
    for (const line of ['BeforeBlockTraffic from revision 1', 'AfterBlockTraffic from revision 1', 'BeforeAllowTraffic from revision 2', 'AfterAllowTraffic from revision 2']) {
      expect(log).toContain(line);
    }
    expect((await lb.router.describe({ id: 'host-1', host: '127.0.0.1', port: 1 })).admin).toBe('in-service');
  });
});
