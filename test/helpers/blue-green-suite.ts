/**
 * Blue/green deployments end to end, run once per load balancer driver (test/e2e/blue-green-*.test.ts):
 * a real api + workers, four real agents serving the sample app — two in pool "a", two in pool
 * "b" — and the load balancer as a process of its own. Traffic is measured the way a user would
 * feel it: a load loop through the load balancer, counting which version answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TestSystem, freePort } from './system.js';
import { startLoadLoop, sample } from './load-loop.js';
import { printLogsOnFailure, startLoadBalancer, type DriverName, type TestLoadBalancer } from './load-balancers.js';
import { POOLS, blueGreenApp, blueGreenOf, shareOf, waitForRecord, type BlueGreenRecord } from './blue-green.js';
import { until } from './processes.js';

const APP = 'shop';
const GROUP = 'web';
const HOSTS = { a: ['a-1', 'a-2'], b: ['b-1', 'b-2'] };

export interface SuiteOptions {
  /** The scenarios beyond the canary (run with one driver; the traffic maths is the same for both). */
  full: boolean;
}

export function blueGreenSuite(driver: DriverName, options: SuiteOptions): void {
  let sys: TestSystem;
  let lb: TestLoadBalancer;
  let version = 0;
  const ports = new Map<string, number>();

  beforeAll(async () => {
    // Split: the worker process can be killed on its own (the SIGKILL scenario).
    sys = await TestSystem.start({ label: `bg-${driver}`, split: true, env: { CUTOVER_TRAFFIC_POLL_MS: '200' } });
    lb = await startLoadBalancer(driver, path.join(sys.dir, 'lb'));
    await Promise.all(
      Object.entries(HOSTS).flatMap(([pool, names]) =>
        names.map(async (name) => {
          const port = await freePort();
          ports.set(name, port);
          await sys.startAgent(name, { app: APP, pool, 'cutover:target': `127.0.0.1:${port}` }, { APP_PORT: String(port) });
        }),
      ),
    );
    await sys.rest.createApplication(APP);
    await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
      name: GROUP,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      instanceTagFilters: [{ key: 'app', value: APP }],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: lb.loadBalancerInfo({ deregistrationDelaySeconds: 2 }),
      blueGreenDeploymentConfiguration: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } },
    });
    // The first deployment: pool a is live (nothing serves yet), so b gets version 1 and all the traffic.
    const first = await deploy('CodeDeployDefault.AllAtOnce');
    await sys.rest.finished(first.id, 'Succeeded');
  });

  afterAll(async () => {
    await lb?.stop();
    await sys?.stop();
  });


  async function createConfig(name: string, trafficRoutingConfig: Record<string, unknown>): Promise<void> {
    await sys.rest.ok('POST', '/v1/deployment-configs', { name: `${name}-${driver}`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, trafficRoutingConfig });
  }

  async function deploy(config: string, bundle?: Buffer): Promise<{ id: string; version: string }> {
    version++;
    const v = String(version);
    const digest = await sys.rest.upload(APP, bundle ?? (await blueGreenApp(v)));
    return { id: await sys.rest.deploy(APP, GROUP, digest, { deploymentConfigName: config }), version: v };
  }

  /** Which pool answers now, by a sample through the load balancer. */
  async function liveVersions(count = 40): Promise<Record<string, number>> {
    const report = await sample(lb.url, count);
    expect(report.failures).toEqual([]);
    return report.byVersion;
  }

  async function updateGroup(fields: Record<string, unknown>): Promise<void> {
    await sys.rest.ok('PUT', `/v1/applications/${APP}/deployment-groups/${GROUP}`, fields);
  }

  describe(`blue/green behind ${driver === 'builtin' ? 'the built-in router' : 'HAProxy'}`, () => {
    it('canary 10% then 100%: during the canary the new pool answers 10% (±3 points) of at least 2,000 requests; afterwards all', async () => {
      printLogsOnFailure(sys, lb);
      await createConfig('canary10', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryIntervalSeconds: 30 } });
      const before = await liveVersions();
      const { id, version: v } = await deploy(`canary10-${driver}`);
      const canary = await waitForRecord(sys.rest, id, 'the canary step', (r) => r.history.some((h) => h.percent === 10));
      expect(canary.replacementPool).toBe(canary.originalPool === 'a' ? 'b' : 'a');

      // Bounded well inside the 30 s canary step, even on a busy machine.
      const loop = startLoadLoop(lb.url, { concurrency: 3, maxRequests: 3_000, maxMs: 24_000 });
      const report = await loop.finished;
      const during = await blueGreenOf(sys.rest, id);
      // The whole loop ran inside the canary step.
      expect(during!.history.filter((h) => h.reason === 'step').map((h) => h.percent)).toEqual([10]);
      expect(report.failures).toEqual([]);
      expect(report.ok).toBeGreaterThanOrEqual(2_000);
      const share = (100 * (report.byVersion[v] ?? 0)) / report.ok;
      console.log(`[${driver}] canary: ${report.ok} requests, new version ${share.toFixed(2)} % (configured 10 %), versions ${JSON.stringify(report.byVersion)}`);
      expect(Math.abs(share - 10)).toBeLessThanOrEqual(3);
      expect(Object.keys(report.byVersion).sort()).toEqual([...Object.keys(before), v].sort());

      const done = await sys.rest.finished(id, 'Succeeded', 60_000);
      expect(done.blueGreen.history.map((h: BlueGreenRecord['history'][number]) => h.percent)).toEqual([10, 100]);
      expect(await liveVersions(60)).toEqual({ [v]: 60 });

      // CodeDeploy's orders: the replacement installs and takes traffic; the original is blocked.
      for (const target of await sys.rest.targets(id)) {
        const names = target.lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName);
        if (target.instanceLabel === 'Green') {
          expect(names).toEqual(['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic']);
        } else {
          expect(names).toEqual(['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
        }
        expect(target.status).toBe('Succeeded');
      }
    });

    if (!options.full) return;

    it('linear 25%: the weights the load balancer holds go 25, 50, 75, 100, each at its due time', async () => {
      printLogsOnFailure(sys, lb);
      await createConfig('linear25', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearIntervalSeconds: 3 } });
      const { id } = await deploy(`linear25-${driver}`);
      const shifting = await waitForRecord(sys.rest, id, 'the shift to start', (r) => r.phase === 'Shifting' || r.history.length > 0);
      const replacement = HOSTS[shifting.replacementPool as 'a' | 'b'];
      // Watch the load balancer itself, not Cutover's record: the distinct shares it shows, in order.
      const seen: number[] = [];
      const watch = until(
        'the shift to reach 100 %',
        async () => {
          const share = await shareOf(lb.router, replacement);
          if (share !== undefined && seen[seen.length - 1] !== Math.round(share)) seen.push(Math.round(share));
          return seen[seen.length - 1] === 100 ? true : undefined;
        },
        60_000,
        50,
      );
      await watch;
      const done = await sys.rest.finished(id, 'Succeeded', 60_000);
      const steps = (done.blueGreen as BlueGreenRecord).history.filter((h) => h.reason === 'step');
      console.log(`[${driver}] linear: shares seen ${JSON.stringify(seen)}; timing errors (ms) ${JSON.stringify(steps.map((s) => s.timingErrorMs))}`);
      // Hosts' weights are set one call at a time, so a share between two steps can show for a few
      // milliseconds; the shares only ever grow, and each step's share is held.
      expect(seen.filter((s) => [25, 50, 75, 100].includes(s))).toEqual([25, 50, 75, 100]);
      expect(seen.every((s, i) => i === 0 || s >= seen[i - 1])).toBe(true);
      expect(steps.map((s) => s.percent)).toEqual([25, 50, 75, 100]);
      const start = Date.parse(steps[0].scheduledAt);
      steps.forEach((s, i) => {
        expect(Date.parse(s.scheduledAt) - start).toBe(i * 3000);
        // Applied at its time: a BullMQ delayed job, not a sleep; generous bound for a loaded 2-core CI.
        expect(s.timingErrorMs).toBeGreaterThanOrEqual(0);
        expect(s.timingErrorMs).toBeLessThan(1500);
      });
    });

    it('the new revision answers 5xx: the error-rate alarm fires, traffic is back on the old pool within one evaluation period, Stopped with ALARM_ACTIVE, and a rollback runs', async () => {
      printLogsOnFailure(sys, lb);
      await updateGroup({
        alarmConfiguration: {
          enabled: true,
          evaluationIntervalSeconds: 1,
          alarms: [{ name: 'new-pool-errors', type: 'ERROR_RATE', thresholdPercent: 20, minimumRequests: 20, windowSeconds: 10 }],
        },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
      });
      await createConfig('canary25', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 25, canaryIntervalSeconds: 60 } });
      const before = await liveVersions();
      const loop = startLoadLoop(lb.url, { concurrency: 2, maxRequests: 200_000, maxMs: 90_000 });
      const { id, version: bad } = await deploy(`canary25-${driver}`, await blueGreenApp(String(version + 1), { failEvery: 2 }));
      const stopped = await sys.rest.finished(id, 'Stopped', 90_000);
      const report = await loop.stop();
      expect(stopped.errorInformation.code).toBe('ALARM_ACTIVE');
      expect(stopped.errorInformation.message).toMatch(/new-pool-errors/);

      const record = stopped.blueGreen as BlueGreenRecord;
      const canary = record.history.find((h) => h.reason === 'step' && h.percent === 25)!;
      const back = record.history.find((h) => h.reason === 'alarm')!;
      expect(back.percent).toBe(0);
      const reactionMs = Date.parse(back.appliedAt) - Date.parse(canary.appliedAt);
      console.log(`[${driver}] alarm: traffic back ${reactionMs} ms after the canary step; ${report.failures.length} failed of ${report.sent}; evaluations ${JSON.stringify(record.alarmEvaluations.slice(-2))}`);
      // One evaluation period (1 s), plus the time one evaluation takes on a loaded machine.
      expect(reactionMs).toBeLessThanOrEqual(1000 + 1000);
      expect(record.alarmEvaluations.some((e) => e.alarmName === 'new-pool-errors' && e.state === 'ALARM')).toBe(true);
      // Only the new version failed, and only while it had weight.
      expect(report.failures.length).toBeGreaterThan(0);
      expect(report.failures.every((f) => f.what.includes(`"version":"${bad}"`) || f.what === '…')).toBe(true);

      // The rollback is created right after the deployment closes (it holds the group's slot until then).
      const rollbackId = await until('the rollback to be linked', async () => (await sys.rest.ok('GET', `/v1/deployments/${id}`)).rollbackInfo?.rollbackDeploymentId as string | undefined, 30_000);
      const rollback = await sys.rest.finished(rollbackId, 'Succeeded', 90_000);
      expect(rollback.creator).toBe('codeDeployRollback');
      // The rollback moved no code: it gave the traffic back to the pool still running the old version.
      for (const target of await sys.rest.targets(rollbackId)) {
        const names = target.lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName);
        expect(names).toEqual(target.instanceLabel === 'Green' ? ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] : ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
      }
      expect(await liveVersions()).toEqual(before);
      await updateGroup({ alarmConfiguration: null, autoRollbackConfiguration: null });
    });

    it('an HTTP check alarm that fails is seen before the first step: Stopped with ALARM_ACTIVE, no weight ever moved', async () => {
      printLogsOnFailure(sys, lb);
      // A stand-in for the team's smoke-test endpoint, answering 503.
      const smoke = http.createServer((_req, res) => res.writeHead(503).end('down'));
      await new Promise<void>((resolve) => smoke.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(smoke.address() as AddressInfo).port}/smoke`;
      try {
        await updateGroup({ alarmConfiguration: { enabled: true, evaluationIntervalSeconds: 1, alarms: [{ name: 'smoke', type: 'HTTP_CHECK', url, expectedStatus: 200, timeoutSeconds: 2 }] } });
        const before = await liveVersions();
        const { id } = await deploy('CodeDeployDefault.AllAtOnce');
        const stopped = await sys.rest.finished(id, 'Stopped', 90_000);
        expect(stopped.errorInformation).toMatchObject({ code: 'ALARM_ACTIVE', message: expect.stringContaining(`${url} answered 503`) });
        expect((stopped.blueGreen as BlueGreenRecord).history).toEqual([]);
        expect(await liveVersions()).toEqual(before);
      } finally {
        smoke.close();
        await updateGroup({ alarmConfiguration: null });
      }
    });

    it('STOP_DEPLOYMENT: the deployment waits in Ready until continue; with a short wait and no continue it ends Stopped and no traffic moved', async () => {
      printLogsOnFailure(sys, lb);
      const bgConfig = (readyOption: Record<string, unknown>) => ({
        blueGreenDeploymentConfiguration: { pools: POOLS, deploymentReadyOption: readyOption, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } },
      });
      await updateGroup(bgConfig({ actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 }));
      const before = await liveVersions();
      const { id, version: v } = await deploy('CodeDeployDefault.AllAtOnce');
      const ready = await sys.rest.waitFor(id, ['Ready']);
      expect(ready.deploymentOverview.Ready).toBe(2);
      expect((ready.blueGreen as BlueGreenRecord).history).toEqual([]);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await sys.rest.ok('GET', `/v1/deployments/${id}`)).status).toBe('Ready');
      expect(await liveVersions()).toEqual(before);
      const answer = await sys.rest.ok('POST', `/v1/deployments/${id}/continue`, { deploymentWaitType: 'READY_WAIT' });
      expect(answer).toMatchObject({ status: 'InProgress', phase: 'AllowingTraffic' });
      await sys.rest.finished(id, 'Succeeded', 60_000);
      expect(await liveVersions()).toEqual({ [v]: 40 });
      // Continue again: the deployment is over.
      expect((await sys.rest.request('POST', `/v1/deployments/${id}/continue`, {})).status).toBe(409);

      await updateGroup(bgConfig({ actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInSeconds: 3 }));
      const timedOut = await deploy('CodeDeployDefault.AllAtOnce');
      const stopped = await sys.rest.finished(timedOut.id, 'Stopped', 60_000);
      expect(stopped.errorInformation.code).toBe('TIMEOUT');
      expect((stopped.blueGreen as BlueGreenRecord).history).toEqual([]);
      expect(await liveVersions()).toEqual({ [v]: 40 });
      await updateGroup(bgConfig({ actionOnTimeout: 'CONTINUE_DEPLOYMENT' }));
    });

    it('the worker process is killed with SIGKILL between two steps: a new one applies the rest on schedule, each step once', async () => {
      printLogsOnFailure(sys, lb);
      await createConfig('linear25slow', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearIntervalSeconds: 8 } });
      const { id, version: v } = await deploy(`linear25slow-${driver}`);
      await waitForRecord(sys.rest, id, 'the first step', (r) => r.history.length === 1, 90_000);
      await sys.workers!.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await sys.startWorkers();
      const done = await sys.rest.finished(id, 'Succeeded', 90_000);
      const steps = (done.blueGreen as BlueGreenRecord).history;
      console.log(`[${driver}] after SIGKILL: timing errors (ms) ${JSON.stringify(steps.map((s) => s.timingErrorMs))}`);
      expect(steps.map((s) => [s.step, s.percent, s.reason])).toEqual([
        [0, 25, 'step'],
        [1, 50, 'step'],
        [2, 75, 'step'],
        [3, 100, 'step'],
      ]);
      for (const step of steps) expect(step.timingErrorMs).toBeLessThan(1500);
      expect(await liveVersions()).toEqual({ [v]: 40 });
    });

    it('TERMINATE: once the termination wait is skipped (continue TERMINATION_WAIT) the original pool runs its own ApplicationStop and serves no more', async () => {
      printLogsOnFailure(sys, lb);
      const bgConfig = (terminate: Record<string, unknown>) => ({ blueGreenDeploymentConfiguration: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: terminate } });
      await updateGroup(bgConfig({ action: 'TERMINATE', terminationWaitTimeInMinutes: 60 }));
      const { id, version: v } = await deploy('CodeDeployDefault.AllAtOnce');
      const waiting = await waitForRecord(sys.rest, id, 'the termination wait', (r) => r.phase === 'TerminationWait', 90_000);
      expect((await sys.rest.ok('GET', `/v1/deployments/${id}`)).status).toBe('InProgress');
      // The traffic is already on the new pool; the old one still runs, out of the load balancer.
      expect(await liveVersions()).toEqual({ [v]: 40 });
      const original = HOSTS[waiting.originalPool as 'a' | 'b'];
      for (const host of original) expect((await fetch(`http://127.0.0.1:${ports.get(host)}/healthz`)).status).toBe(200);

      expect(await sys.rest.ok('POST', `/v1/deployments/${id}/continue`, { deploymentWaitType: 'TERMINATION_WAIT' })).toMatchObject({ phase: 'Terminating' });
      await sys.rest.finished(id, 'Succeeded', 60_000);
      for (const target of await sys.rest.targets(id)) {
        if (target.instanceLabel !== 'Blue') continue;
        expect(target.lifecycleEvents.map((e: { lifecycleEventName: string; status: string }) => [e.lifecycleEventName, e.status])).toEqual([
          ['BeforeBlockTraffic', 'Skipped'],
          ['BlockTraffic', 'Succeeded'],
          ['AfterBlockTraffic', 'Skipped'],
          ['ApplicationStop', 'Succeeded'],
        ]);
      }
      for (const host of original) await expect(fetch(`http://127.0.0.1:${ports.get(host)}/healthz`)).rejects.toThrow();
      expect(await liveVersions()).toEqual({ [v]: 40 });
      await updateGroup(bgConfig({ action: 'KEEP_ALIVE' }));
    });
  });
}
