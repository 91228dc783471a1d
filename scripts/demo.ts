/**
 * `npm run demo` (through scripts/demo.sh, which finds or starts a Redis): Cutover and three local
 * agents on this machine, the sample app deployed to them, then everything kept running until
 * Ctrl-C, when every process the demo started is stopped. Each run starts from a clean slate: its
 * own Redis key prefix and its own directory (.cutover/demo), both cleared first.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import { startChild, startedChildren, stopAllChildren, type Child } from './demo/children.js';
import { CutoverApi, DemoError } from './demo/cutover-api.js';
import { clearPreviousRun, clearRedisNamespace, forgetRun, recordRun, stopAppServers } from './demo/leftovers.js';
import {
  APP_NAME, DEMO_DIR, DEPLOYMENT_CONFIG, GROUP_NAME, HOSTS, LOGS_DIR, REDIS_PREFIX, REPO, ROUTER_POOL, SAMPLE_APP, TSX,
  hostDir, logFile, rel,
} from './demo/layout.js';
import { freePorts } from './demo/ports.js';
import { failureReport, watchDeployment, type Outcome } from './demo/progress.js';
import { checkApps, checkRouter, summary } from './demo/summary.js';

const STARTUP_LIMIT_MS = 60_000;

interface Demo {
  redisUrl: string;
  apiUrl: string;
  adminToken: string;
  enrollToken: string;
  appPorts: Map<string, number>;
  api: CutoverApi;
  /** The built-in router: clients use routerUrl; Cutover drives it through its admin API. */
  routerUrl: string;
  routerAdminUrl: string;
  routerToken: string;
}

const say = (line = '') => console.log(line);

async function main(): Promise<number> {
  const stop = new AbortController();
  onStopSignals(stop);
  try {
    const demo = await prepare(stop.signal);
    await startCutover(demo, stop.signal);
    await startRouter(demo, stop.signal);
    await startAgents(demo, stop.signal);
    const outcome = await deploySampleApp(demo, stop.signal);
    if (outcome.deployment.status !== 'Succeeded') {
      failureReport(outcome).forEach((line) => say(line));
      throw new DemoError(`the deployment did not succeed; logs are in ${rel(LOGS_DIR)}/`);
    }
    const apps = await checkApps(demo.appPorts);
    say(summary(demo.apiUrl, demo.adminToken, outcome, apps, { url: demo.routerUrl, check: await checkRouter(demo.routerUrl) }));
    if (!apps.ok) throw new DemoError('the deployment succeeded but not every host answers with the deployed version');
    say('Press Ctrl-C to stop everything the demo started.');
    await untilAborted(stop.signal);
    return 0;
  } catch (err) {
    if (stop.signal.aborted) return 130;
    say();
    say(err instanceof DemoError ? `demo: ${err.message}` : `demo: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await stopEverything();
  }
}

/** First SIGINT/SIGTERM: stop. Later ones: say it is under way (every stop step has a time limit). */
function onStopSignals(stop: AbortController): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stop.signal.aborted) return say('demo: still stopping, a few seconds more');
      say(`\ndemo: ${signal}; stopping`);
      stop.abort();
    });
  }
}

/** Clears the previous run, then picks ports and tokens. */
async function prepare(signal: AbortSignal): Promise<Demo> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new DemoError('REDIS_URL is not set; start the demo with `npm run demo`, which finds or starts a Redis');
  await clearPreviousRun();
  await clearRedisNamespace(redisUrl, redactUrl(redisUrl));
  await mkdir(LOGS_DIR, { recursive: true });
  const [apiPort, routerPort, routerAdminPort, ...appPorts] = await freePorts([3000, 8080, 9901, 8081, 8082, 8083]);
  const adminToken = randomBytes(24).toString('base64url');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  say(`Cutover demo: Redis ${redactUrl(redisUrl)} (key prefix "${REDIS_PREFIX}"), files under ${rel(DEMO_DIR)}/`);
  return {
    redisUrl,
    apiUrl,
    adminToken,
    enrollToken: randomBytes(24).toString('base64url'),
    appPorts: new Map(HOSTS.map((host, i) => [host, appPorts[i]!])),
    api: new CutoverApi(apiUrl, adminToken, signal),
    routerUrl: `http://127.0.0.1:${routerPort}/`,
    routerAdminUrl: `http://127.0.0.1:${routerAdminPort}`,
    routerToken: randomBytes(24).toString('base64url'),
  };
}

/** `npm start` (api and every worker role in one process), then its /healthz. */
async function startCutover(demo: Demo, signal: AbortSignal): Promise<void> {
  const env = {
    ...process.env,
    PORT: new URL(demo.apiUrl).port,
    HOST: '127.0.0.1',
    REDIS_URL: demo.redisUrl,
    CUTOVER_REDIS_PREFIX: REDIS_PREFIX,
    CUTOVER_DATA_DIR: path.join(DEMO_DIR, 'artifacts'),
    CUTOVER_ADMIN_TOKEN: demo.adminToken,
    CUTOVER_ENROLL_TOKEN: demo.enrollToken,
  };
  // Its shutdown closes the api and waits for the workers' jobs, within its own 10 s limit.
  const server = startChild({ name: 'cutover', command: TSX, args: ['scripts/start.ts'], cwd: REPO, env, logFile: logFile('cutover'), tier: 0, stopTimeoutMs: 15_000 }, signal);
  await recordRun();
  say(`Starting Cutover (api + workers) on ${demo.apiUrl}; log: ${rel(server.logFile)}`);
  await waitFor('the api to answer /healthz', async () => ((await demo.api.healthy()) ? true : undefined), [server], signal);
}

/** `npm run router`: the built-in load balancer in front of the hosts (pool "sample"), then its admin /healthz. */
async function startRouter(demo: Demo, signal: AbortSignal): Promise<void> {
  const listen = new URL(demo.routerUrl).host;
  const admin = new URL(demo.routerAdminUrl).host;
  const env = { ...process.env, CUTOVER_ROUTER_TOKEN: demo.routerToken };
  const router = startChild({ name: 'router', command: TSX, args: ['router/main.ts', '--pool', `${ROUTER_POOL}=${listen}`, '--admin', admin], cwd: REPO, env, logFile: logFile('router'), tier: 0, stopTimeoutMs: 12_000 }, signal);
  await recordRun();
  say(`Starting the built-in router on ${demo.routerUrl} (admin API ${demo.routerAdminUrl}); log: ${rel(router.logFile)}`);
  const up = async () => (await fetch(`${demo.routerAdminUrl}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) || undefined;
  await waitFor('the router to answer /healthz', up, [router], signal);
}

/** Three agents, each a simulated host with its own root, install root and app port. */
async function startAgents(demo: Demo, signal: AbortSignal): Promise<void> {
  const agents: Child[] = [];
  for (const host of HOSTS) {
    await mkdir(hostDir(host, 'fs'), { recursive: true });
    const args = [
      'agent/main.ts',
      // cutover:target: where the router sends this host's traffic (its app port).
      ...['--api', demo.apiUrl, '--enroll-token', demo.enrollToken, '--name', host, '--tags', `app=sample,env=demo,cutover:target=127.0.0.1:${demo.appPorts.get(host)}`],
      ...['--root', hostDir(host, 'agent'), '--install-root', hostDir(host, 'fs')],
      ...['--hook-env', `APP_PORT=${demo.appPorts.get(host)}`, '--hook-env', `HOST_LABEL=${host}`],
    ];
    // An agent waits up to 8 s for a running hook before it exits.
    agents.push(startChild({ name: host, command: TSX, args, cwd: REPO, env: process.env, logFile: logFile(host), tier: 1, stopTimeoutMs: 12_000 }, signal));
  }
  await recordRun();
  say(`Starting agents ${HOSTS.join(', ')}; logs: ${rel(LOGS_DIR)}/demo-host-N.log`);
  await waitFor(
    'the 3 agents to register',
    async () => {
      const registered = (await demo.api.instances()).filter((i) => i.registrationStatus === 'Registered').map((i) => i.instanceName);
      return HOSTS.every((h) => registered.includes(h)) ? true : undefined;
    },
    agents,
    signal,
  );
}

/** Application, deployment group, revision upload and deployment, watched until it ends. */
async function deploySampleApp(demo: Demo, signal: AbortSignal): Promise<Outcome> {
  await demo.api.ensureApplication(APP_NAME);
  await demo.api.ensureDeploymentGroup(APP_NAME, {
    name: GROUP_NAME,
    deploymentConfigName: DEPLOYMENT_CONFIG,
    instanceTagFilters: [{ key: 'app', value: 'sample' }],
    // Behind the built-in router: each host is drained before its scripts run and put back once healthy.
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    loadBalancerInfo: {
      driver: 'builtin',
      targetGroupName: ROUTER_POOL,
      deregistrationDelaySeconds: 10,
      healthCheck: { path: '/healthz', intervalSeconds: 1, timeoutSeconds: 1, healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      builtin: { adminUrl: demo.routerAdminUrl, adminToken: demo.routerToken },
    },
  });
  const bundle = await packBundle(SAMPLE_APP);
  const revision = await demo.api.uploadBundle(APP_NAME, bundle);
  say(`Uploaded ${rel(SAMPLE_APP)} (${bundle.length} bytes, sha256 ${revision.digest.slice(0, 12)}…) to application "${APP_NAME}"`);
  const deploymentId = await demo.api.createDeployment(APP_NAME, GROUP_NAME, revision, 'npm run demo');
  say(`Deploying to group "${GROUP_NAME}" (${DEPLOYMENT_CONFIG}): ${deploymentId}`);
  return watchDeployment(demo.api, deploymentId, signal, say);
}

/** The bundle: the sample app directory as a tar.gz with appspec.yml at its root. */
async function packBundle(dir: string): Promise<Buffer> {
  // portable: no uid/gid, user names or times in the headers, so the same files give the same digest.
  return tar.c({ gzip: true, cwd: dir, portable: true }, ['.']).concat();
}

/** Agents, then the server, then the app servers the hooks started (they outlive their agents). */
async function stopEverything(): Promise<void> {
  if (startedChildren().some((c) => !c.hasExited())) say('Stopping the demo:');
  await stopAllChildren((line) => say(`  ${line}`));
  const stopped = await stopAppServers();
  if (stopped > 0) say(`  stopped ${stopped} sample app server(s)`);
  await forgetRun();
}

/** Polls `probe` until it returns a value; fails fast if a watched process exits meanwhile. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, watched: Child[], signal: AbortSignal): Promise<T> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const dead = watched.find((c) => c.hasExited());
    if (dead) {
      throw new DemoError(`${dead.name} exited (${await dead.exited}) while waiting for ${what}. Last lines of ${rel(dead.logFile)}:\n${await tail(dead.logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new DemoError(`gave up waiting for ${what} after ${STARTUP_LIMIT_MS / 1000} s; see ${watched.map((c) => rel(c.logFile)).join(', ')}`);
    }
    await sleep(250, undefined, { signal });
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
}

/** Resolves when the demo is told to stop; the interval keeps Node alive even if every child dies. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const keepAlive = setInterval(() => undefined, 60_000);
    signal.addEventListener('abort', () => {
      clearInterval(keepAlive);
      resolve();
    });
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
