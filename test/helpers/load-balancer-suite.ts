/**
 * The zero-downtime suite, run once per driver (test/e2e/load-balancer-builtin.test.ts and
 * load-balancer-haproxy.test.ts): a real api + workers process, four real agents each serving
 * the sample app on its own port (its `cutover:target` tag), and the load balancer as a process
 * of its own. A load loop sends requests through the load balancer without pause while
 * deployments run; it must see no failed request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { TestSystem, freePort } from './system.js';
import { sample, startLoadLoop, type LoadReport } from './load-loop.js';
import { printLogsOnFailure, startLoadBalancer, type DriverName, type TestLoadBalancer } from './load-balancers.js';
import { sampleAppVariant, slowAppBundle } from './lb-bundles.js';

const APP = 'shop';
const GROUP = 'web';
const HOSTS = ['host-1', 'host-2', 'host-3', 'host-4'];

type Target = { targetId: string; status: string; lifecycleEvents: Event[] };
type Event = { lifecycleEventName: string; status: string; startTime?: string; endTime?: string; diagnostics?: { errorCode: string; message: string } };

function event(target: { lifecycleEvents: Event[] }, name: string): Event {
  const found = target.lifecycleEvents.find((e) => e.lifecycleEventName === name);
  if (!found) throw new Error(`no ${name} event`);
  return found;
}

function expectNoFailures(report: LoadReport, label?: string): void {
  if (label) console.log(`${label}: ${report.sent} requests in ${report.seconds.toFixed(1)} s, ${report.failures.length} failed, versions ${JSON.stringify(report.byVersion)}`);
  expect(report.failures, `failed requests: ${JSON.stringify(report.failures.slice(0, 10))}`).toEqual([]);
}

export function loadBalancerSuite(driver: DriverName): void {
  let sys: TestSystem;
  let lb: TestLoadBalancer;
  const ports = new Map<string, number>();

  beforeAll(async () => {
    // Started first: a missing haproxy fails here, loudly, before anything else runs.
    sys = await TestSystem.start({ label: `lb-${driver}`, env: { CUTOVER_TRAFFIC_POLL_MS: '200' } });
    lb = await startLoadBalancer(driver, path.join(sys.dir, 'lb'));
    for (const name of HOSTS) ports.set(name, await freePort());
    // The agent's own --hook-env APP_PORT comes first; this one, given later, wins: the app
    // listens where the target tag says.
    await Promise.all(
      HOSTS.map((name) =>
        sys.startAgent(name, { app: APP, 'cutover:target': `127.0.0.1:${ports.get(name)}` }, { APP_PORT: String(ports.get(name)) }),
      ),
    );
    await sys.rest.createApplication(APP);
    await createGroup();
  });

  afterAll(async () => {
    await lb?.stop();
    await sys?.stop();
  });


  // One group for every test, as a team would have: each deployment's ApplicationStop then stops
  // what the previous one started. The deployment config is chosen per deployment.
  async function createGroup(): Promise<void> {
    await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
      name: GROUP,
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      instanceTagFilters: [{ key: 'app', value: APP }],
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: lb.loadBalancerInfo(),
    });
  }

  async function deploy(bundle: Buffer, deploymentConfigName: string): Promise<string> {
    return sys.rest.deploy(APP, GROUP, await sys.rest.upload(APP, bundle), { deploymentConfigName });
  }

  async function expectCleanCounters(): Promise<void> {
    const stats = await lb.router.stats();
    // The load balancer never had to retry or lost a request to a stopped host.
    expect({ errors: stats.errors, retries: stats.retries }).toEqual({ errors: 0, retries: 0 });
  }

  describe(`in place behind ${driver === 'builtin' ? 'the built-in router' : 'HAProxy'}`, () => {
    it('HalfAtATime under load: no failed request, and afterwards every answer comes from the new version', async () => {
      printLogsOnFailure(sys, lb);
      const first = await deploy(await sampleAppVariant('1'), 'CodeDeployDefault.HalfAtATime');
      await sys.rest.finished(first, 'Succeeded');
      const before = await sample(lb.url, 40);
      expectNoFailures(before);
      expect(Object.keys(before.byHost).sort()).toEqual(HOSTS);

      const loop = startLoadLoop(lb.url, { concurrency: 3, maxRequests: 100_000, maxMs: 90_000 });
      const second = await deploy(await sampleAppVariant('2'), 'CodeDeployDefault.HalfAtATime');
      const done = await sys.rest.finished(second, 'Succeeded');
      const report = await loop.stop();
      expectNoFailures(report, `[${driver}] load loop during HalfAtATime`);
      expect(report.ok).toBeGreaterThan(200);
      expect(report.byVersion['1']).toBeGreaterThan(0);
      expect(report.byVersion['2']).toBeGreaterThan(0);
      expect(done.deploymentOverview).toMatchObject({ Succeeded: 4, Failed: 0 });

      const after = await sample(lb.url, 80);
      expectNoFailures(after);
      expect(after.byVersion).toEqual({ '2': 80 });
      expect(Object.keys(after.byHost).sort()).toEqual(HOSTS);

      for (const target of await sys.rest.targets(second)) {
        expect(target.lifecycleEvents.map((e: Event) => e.lifecycleEventName)).toEqual([
          'BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
          'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic',
        ]);
        for (const name of ['BlockTraffic', 'AllowTraffic']) {
          expect(event(target, name)).toMatchObject({ status: 'Succeeded', diagnostics: { errorCode: 'Success' } });
        }
        expect(event(target, 'BlockTraffic').diagnostics!.message).toMatch(/^Deregistered/);
        expect(event(target, 'AllowTraffic').diagnostics!.message).toMatch(/health check passed/);
      }
      await expectCleanCounters();
    });

    it('ValidateService failing on one host: the deployment fails as OneAtATime says, that host stays out, no request fails', async () => {
      printLogsOnFailure(sys, lb);
      const loop = startLoadLoop(lb.url, { concurrency: 3, maxRequests: 100_000, maxMs: 90_000 });
      const id = await deploy(await sampleAppVariant('3', { validateFailsOn: 'host-3' }), 'CodeDeployDefault.OneAtATime');
      const d = await sys.rest.finished(id, 'Failed');
      const report = await loop.stop();
      expectNoFailures(report, `[${driver}] load loop during OneAtATime with a failing host`);
      expect(d.errorInformation.code).toBe('HEALTH_CONSTRAINTS');

      const targets: Record<string, Target> = Object.fromEntries((await sys.rest.targets(id)).map((t: Target) => [t.targetId, t]));
      expect(targets['host-1'].status).toBe('Succeeded');
      expect(targets['host-2'].status).toBe('Succeeded');
      expect(targets['host-3'].status).toBe('Failed');
      expect(targets['host-4'].status).toBe('Skipped');
      expect(event(targets['host-3'], 'ValidateService').status).toBe('Failed');
      expect(event(targets['host-3'], 'AllowTraffic').status).toBe('Skipped');

      const view = await lb.router.describe({ id: 'host-3', host: '127.0.0.1', port: ports.get('host-3')! });
      expect(view.admin).toBe('out-of-service');
      const after = await sample(lb.url, 60);
      expectNoFailures(after);
      expect(Object.keys(after.byHost).sort()).toEqual(['host-1', 'host-2', 'host-4']);
      expect(after.byVersion['3']).toBeGreaterThan(0); // host-1 and host-2
      expect(after.byVersion['2']).toBeGreaterThan(0); // host-4, never reached
      await expectCleanCounters();
    });

    it('drain: a slow request in flight when its host is blocked completes', async () => {
      printLogsOnFailure(sys, lb);
      await sys.rest.finished(await deploy(await slowAppBundle('1'), 'CodeDeployDefault.AllAtOnce'), 'Succeeded');
      const v2 = await sys.rest.upload(APP, await slowAppBundle('2'));

      // Slow requests (7 s each) spread over the hosts by the load balancer; then every host is blocked at once.
      const slowUrl = new URL('slow?ms=7000', lb.url).toString();
      const slow = Array.from({ length: 4 }, () =>
        fetch(slowUrl).then(async (res) => ({ status: res.status, body: (await res.json()) as { host: string; version: string }, at: Date.now() })),
      );
      await new Promise((r) => setTimeout(r, 300));
      const id = await sys.rest.deploy(APP, GROUP, v2, { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' });
      const answers = await Promise.all(slow);
      await sys.rest.finished(id, 'Succeeded');

      // Every slow request was answered, by the old version: its host was not stopped under it.
      expect(answers.map((a) => [a.status, a.body.version])).toEqual(Array(4).fill([200, '1']));
      const targets: Record<string, Target> = Object.fromEntries((await sys.rest.targets(id)).map((t: Target) => [t.targetId, t]));
      for (const answer of answers) {
        const block = event(targets[answer.body.host], 'BlockTraffic');
        expect(block.status).toBe('Succeeded');
        // The host was blocked while the request was in flight (for a second at least), and
        // BlockTraffic ended only once the answer was out (clock slack 250 ms): it waited for it.
        expect(Date.parse(block.startTime!)).toBeLessThan(answer.at - 1000);
        expect(Date.parse(block.endTime!)).toBeGreaterThanOrEqual(answer.at - 250);
        expect(block.diagnostics!.message).toMatch(/^Deregistered: no request in flight after/);
      }
      const after = await sample(lb.url, 40);
      expectNoFailures(after);
      expect(after.byVersion).toEqual({ '2': 40 });
    });
  });
}
