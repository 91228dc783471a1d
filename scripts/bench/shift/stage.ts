/**
 * The traffic-shift bench's system for one load balancer driver, started through the entry points a
 * user runs: a control plane (scripts/start.ts: api + workers, its own Redis key prefix, see
 * ../lib/control-plane.ts), the load balancer as a process of its own (router/main.ts, or a
 * private HAProxy), and real agents serving the sample app — `hostsPerPool` in pool "a" and as many
 * in pool "b" — behind one blue/green group. Shaped like the end-to-end tests'
 * (test/helpers/blue-green-suite.ts). `close()` stops everything it started, the sample-app
 * servers the hooks started included, and removes the keys and the temp dir.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import { Redis } from 'ioredis';
import { ControlPlane, REDIS_URL, freePort } from '../lib/control-plane.js';
import { createKeys } from '../../../shared/store/keys.js';
import { REPO_ROOT, startNode, until, type Child } from '../lib/processes.js';
import { BuiltinRouter } from '../../../shared/traffic/builtin/builtin-router.js';
import { HaproxyRouter } from '../../../shared/traffic/haproxy/haproxy-router.js';
import { startLocalHaproxy, type LocalHaproxy } from '../../../shared/traffic/haproxy/local-haproxy.js';
import type { TrafficRouter, TrafficTarget } from '../../../shared/traffic/traffic-router.js';
import type { DriverName, ShiftHistoryEntry, StepJob } from './figures.js';

export const APP = 'shop';
export const GROUP = 'web';
const POOL = 'web';
const POOLS = [
  { poolName: 'a', tagFilters: [{ key: 'pool', value: 'a' }] },
  { poolName: 'b', tagFilters: [{ key: 'pool', value: 'b' }] },
];
/** A target is healthy 0.4 s after registering, so deployments do not wait on the check. */
const HEALTH_CHECK = { path: '/healthz', intervalSeconds: 0.2, timeoutSeconds: 0.2, healthyThresholdCount: 2, unhealthyThresholdCount: 2 };

export interface BlueGreenView {
  deploymentId: string;
  status: string;
  errorInformation?: { code: string; message: string };
  blueGreen?: { phase: string; percent: number; originalPool: string; replacementPool: string; history: ShiftHistoryEntry[] };
}

interface LoadBalancer {
  url: string;
  router: TrafficRouter;
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

async function startLoadBalancer(driver: DriverName, dir: string, logDir: string): Promise<LoadBalancer> {
  const common = { targetGroupName: POOL, deregistrationDelaySeconds: 1, healthyTimeoutSeconds: 30, healthCheck: HEALTH_CHECK };
  const port = await freePort();
  if (driver === 'builtin') {
    const adminPort = await freePort();
    const token = `router-${randomBytes(16).toString('hex')}`;
    const child = startNode('router', 'router/main.ts', ['--pool', `${POOL}=127.0.0.1:${port}`, '--admin', `127.0.0.1:${adminPort}`], {
      logDir,
      env: { CUTOVER_ROUTER_TOKEN: token, LOG_LEVEL: 'warn' },
    });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await until('the built-in router to answer', async () => ((await fetch(`${adminUrl}/healthz`)).ok ? true : undefined), 30_000);
    return {
      url: `http://127.0.0.1:${port}/`,
      router: new BuiltinRouter({ adminUrl, adminToken: token, pool: POOL, timeoutMs: 3000 }),
      info: { driver: 'builtin', ...common, builtin: { adminUrl, adminToken: token } },
      stop: () => child.stop(5000),
    };
  }
  const haproxy: LocalHaproxy = await startLocalHaproxy({ dir, backends: [{ name: POOL, bind: `127.0.0.1:${port}`, healthPath: '/healthz' }] });
  return {
    url: `http://127.0.0.1:${port}/`,
    router: new HaproxyRouter({ socketPath: haproxy.socketPath, backend: POOL, timeoutMs: 3000 }),
    info: { driver: 'haproxy', ...common, haproxy: { socketPath: haproxy.socketPath } },
    stop: () => haproxy.stop(),
  };
}

/** The sample app (examples/sample-app) with its VERSION set, packed as a user would upload it. */
async function sampleApp(version: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bench-shift-app-'));
  try {
    await cp(path.join(REPO_ROOT, 'examples', 'sample-app'), path.join(dir, 'src'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'app', 'VERSION'), `${version}\n`);
    const file = path.join(dir, 'bundle.tgz');
    await tar.c({ gzip: true, cwd: path.join(dir, 'src'), portable: true, file }, ['.']);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export class ShiftStage {
  private version = 0;
  private readonly configs = new Set<string>();

  private constructor(
    readonly driver: DriverName,
    readonly cp: ControlPlane,
    readonly lb: LoadBalancer,
    private readonly agents: Child[],
    private readonly hostsDir: string,
    /** Every host as the load balancer knows it (the instance name, its sample app's address). */
    readonly targets: readonly TrafficTarget[],
  ) {}

  get lbUrl(): string {
    return this.lb.url;
  }

  get router(): TrafficRouter {
    return this.lb.router;
  }

  /** Control plane, load balancer, agents, the group, and a first deployment that puts version 1 live. */
  static async start(driver: DriverName, hostsPerPool: number): Promise<ShiftStage> {
    // Faster looks at target health while traffic is allowed (as the end-to-end tests run it).
    const cp = await ControlPlane.start({ label: `shift-${driver}`, entry: 'scripts/start.ts', env: { CUTOVER_TRAFFIC_POLL_MS: '200' } });
    let lb: LoadBalancer | undefined;
    const agents: Child[] = [];
    const targets: TrafficTarget[] = [];
    const hostsDir = path.join(cp.dir, 'hosts');
    try {
      await mkdir(path.join(cp.dir, 'lb'), { recursive: true });
      lb = await startLoadBalancer(driver, path.join(cp.dir, 'lb'), cp.logDir);
      for (const pool of ['a', 'b']) {
        for (let i = 1; i <= hostsPerPool; i++) {
          const name = `${pool}-${i}`;
          const port = await freePort();
          const root = path.join(hostsDir, name);
          targets.push({ id: name, host: '127.0.0.1', port });
          agents.push(
            startNode(
              `agent-${driver}-${name}`,
              'agent/main.ts',
              [
                '--api', cp.apiUrl,
                '--enroll-token', cp.enrollToken,
                '--name', name,
                '--tags', `app=${cp.prefix},pool=${pool},cutover:target=127.0.0.1:${port}`,
                '--root', path.join(root, 'agent'),
                '--install-root', path.join(root, 'fs'),
                '--hook-env', `APP_PORT=${port}`,
                '--hook-env', `HOST_LABEL=${name}`,
              ],
              { logDir: cp.logDir, env: { LOG_LEVEL: 'info' } },
            ),
          );
        }
      }
      await until('the agents to register', async () => ((await cp.registered('app', cp.prefix)) === 2 * hostsPerPool ? true : undefined), 60_000, 200);
      const stage = new ShiftStage(driver, cp, lb, agents, hostsDir, targets);
      await cp.rest.createApplication(APP);
      await cp.rest.call('POST', `/v1/applications/${APP}/deployment-groups`, {
        name: GROUP,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        instanceTagFilters: [{ key: 'app', value: cp.prefix }],
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: lb.info,
        blueGreenDeploymentConfiguration: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } },
      });
      const first = await stage.deploy('CodeDeployDefault.AllAtOnce');
      await stage.finished(first.id, 'Succeeded', 120_000);
      return stage;
    } catch (err) {
      await Promise.all(agents.map((a) => a.stop(5000)));
      await lb?.stop();
      await killSampleApps(hostsDir);
      await cp.close(true);
      console.error(`bench: the ${driver} stage did not start; logs kept in ${cp.logDir}`);
      throw err;
    }
  }

  /** A custom config with the given trafficRoutingConfig (no health floor: two hosts per pool is a small fleet). */
  async config(name: string, trafficRoutingConfig: Record<string, unknown>): Promise<string> {
    if (!this.configs.has(name)) {
      await this.cp.rest.call('POST', '/v1/deployment-configs', { name, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, trafficRoutingConfig });
      this.configs.add(name);
    }
    return name;
  }

  /** Upload the next version of the sample app and deploy it with `config`. */
  async deploy(config: string): Promise<{ id: string; version: string }> {
    this.version++;
    const version = String(this.version);
    const digest = await this.cp.rest.upload(APP, await sampleApp(version));
    const { deploymentId } = await this.cp.rest.call<{ deploymentId: string }>('POST', '/v1/deployments', {
      applicationName: APP,
      deploymentGroupName: GROUP,
      revision: { revisionType: 'Bundle', digest },
      deploymentConfigName: config,
    });
    return { id: deploymentId, version };
  }

  view(id: string): Promise<BlueGreenView> {
    return this.cp.rest.call<BlueGreenView>('GET', `/v1/deployments/${id}`);
  }

  /** Poll (every `intervalMs`: the api shares its process with the workers, so gently) until `test` holds. */
  async waitFor(id: string, what: string, test: (v: BlueGreenView) => boolean, timeoutMs = 120_000, intervalMs = 250): Promise<BlueGreenView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.view(id);
      if (test(view)) return view;
      if (['Failed', 'Stopped', 'Succeeded'].includes(view.status)) {
        throw new Error(`deployment ${id} ended ${view.status} before ${what}: ${JSON.stringify(view.errorInformation ?? {})}; logs in ${this.cp.logDir}`);
      }
      if (Date.now() > deadline) throw new Error(`deployment ${id}: timed out after ${timeoutMs} ms waiting for ${what} (status ${view.status}, phase ${view.blueGreen?.phase})`);
      await sleep(intervalMs);
    }
  }

  async finished(id: string, status: string, timeoutMs = 120_000): Promise<BlueGreenView> {
    const view = await this.waitFor(id, `to end ${status}`, (v) => ['Failed', 'Stopped', 'Succeeded'].includes(v.status), timeoutMs, 500);
    if (view.status !== status) throw new Error(`deployment ${id} ended ${view.status}, expected ${status}: ${JSON.stringify(view.errorInformation ?? {})}; logs in ${this.cp.logDir}`);
    return view;
  }

  /** When BullMQ handed each step's job (`shift.<id>.<step>`) to the worker; read straight from the job hashes. */
  async stepJobs(id: string, steps: number): Promise<StepJob[]> {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
    try {
      const queue = `${createKeys(this.cp.prefix).bullPrefix}:traffic`;
      return await Promise.all(
        Array.from({ length: steps }, async (_, step) => {
          const processedOn = await redis.hget(`${queue}:shift.${id}.${step}`, 'processedOn');
          return { step, processedOn: processedOn === null ? undefined : Number(processedOn) };
        }),
      );
    } finally {
      redis.disconnect();
    }
  }

  stop(id: string): Promise<unknown> {
    return this.cp.rest.call('POST', `/v1/deployments/${id}/stop`, {});
  }

  async close(keepDir = false): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop(10_000)));
    await this.lb.stop();
    await killSampleApps(this.hostsDir);
    await this.cp.close(keepDir);
  }
}

/** The sample-app servers the hooks started (detached, their pids in var/run/cutover-sample/server.pid). */
export async function killSampleApps(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || entry.name !== 'server.pid') continue;
    const pid = Number((await readFile(path.join(entry.parentPath, entry.name), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    // Only our server: a recycled pid belongs to someone else.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('cutover-sample/server.js')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
