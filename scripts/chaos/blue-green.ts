/**
 * The blue/green side of the chaos harness (see world.ts): four more agents serving the sample app,
 * two in pool "a" and two in pool "b", behind the built-in load balancer (a process of its own);
 * one blue/green group over them; and the trials:
 *
 *   blue-green-linear  linear 34 % every 2 s: Succeeded, every step once and in order, the pools
 *                      swapped, all traffic on the new version (sampled through the load balancer)
 *   blue-green-stop    StopDeployment at a random moment (install or shift): Stopped MANUAL_STOP;
 *                      if weight had moved, one last 'stop' record at 0 %; traffic on the previous
 *                      version; the live pool unchanged
 *   blue-green-alarm   a revision answering 503 on half its requests under load, an ERROR_RATE
 *                      alarm and DEPLOYMENT_STOP_ON_ALARM: Stopped ALARM_ACTIVE, one reroute-only
 *                      rollback that Succeeds, traffic on the previous version, live pool unchanged
 *
 * The world remembers which pool is live and which version it serves, so each trial also checks
 * what the one before it left (a success swaps the pools; a stop or an alarm does not).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import type { Redis } from 'ioredis';
import { freePort, type TestSystem } from '../../test/helpers/system.js';
import { makeBundle, type HookSpec } from '../../test/helpers/bundles.js';
import { POOLS, blueGreenApp, type BlueGreenRecord } from '../../test/helpers/blue-green.js';
import { startLoadBalancer, type TestLoadBalancer } from '../../test/helpers/load-balancers.js';
import { sample, startLoadLoop, type LoadLoop } from '../../test/helpers/load-loop.js';
import { LOGGED_HOOKS, TERMINAL, checkDeployment, expectDeployment } from './checks.js';

export const BLUE_GREEN_KINDS = ['blue-green-linear', 'blue-green-stop', 'blue-green-alarm'] as const;
export type BlueGreenKind = (typeof BLUE_GREEN_KINDS)[number];

export const BG_GROUP = 'bg';
const HOSTS: Record<string, string[]> = { a: ['bg-a1', 'bg-a2'], b: ['bg-b1', 'bg-b2'] };
const LINEAR = 'chaos-linear34';
const CANARY = 'chaos-canary50';
/** Linear 34 % every 2 s. */
const LINEAR_STEPS = [34, 68, 100];

const GREEN_EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const REROUTE_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const BLUE_EVENTS = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];

/**
 * Upper bounds of the random kill time (about the deployment's length, measured: install ~3 s,
 * then the shift 4 s and the block ~2 s; the alarm and its rollback ~7 s) and of the stop moment.
 */
export const BLUE_GREEN_WINDOWS: Record<BlueGreenKind, { killWithinMs: number; stopWithinMs?: number }> = {
  'blue-green-linear': { killWithinMs: 10_000 },
  'blue-green-stop': { killWithinMs: 9_000, stopWithinMs: 7_000 },
  'blue-green-alarm': { killWithinMs: 8_000 },
};

/**
 * A stop moment up to this is counted from the deployment's creation (the install, mostly); a later
 * one is `stopAtMs − STOP_IN_INSTALL_MS` after the shift began by its record (0–3.7 s: after 34 %
 * or 68 % moved, before the 100 % step at 4 s). A worker killed and restarted (seconds, on a busy
 * machine) would otherwise push nearly every stop into the install.
 */
const STOP_IN_INSTALL_MS = 3_600;

export interface BlueGreenWorld {
  lb: TestLoadBalancer;
  /** What the trials so far should have left: the live pool and the version it serves. */
  livePool: string;
  liveVersion: string;
  /** The last version deployed (each deployment gets the next one). */
  version: number;
}

interface Context {
  sys: TestSystem;
  redis: Redis;
  app: string;
  bg: BlueGreenWorld;
}

/** The sample app at `version` (503 on every `failEvery`-th answer), with hooks that log their runs to ran.log before doing the sample app's work. */
export async function loggingSampleApp(version: string, options: { failEvery?: number } = {}): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-chaos-bg-'));
  const files: Record<string, string> = {};
  try {
    const tgz = path.join(dir, 'sample.tgz');
    await writeFile(tgz, await blueGreenApp(version, options));
    await mkdir(path.join(dir, 'x'));
    await tar.x({ cwd: path.join(dir, 'x'), gzip: true, file: tgz });
    for (const entry of await readdir(path.join(dir, 'x'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const rel = path.relative(path.join(dir, 'x'), path.join(entry.parentPath, entry.name));
      if (rel !== 'appspec.yml') files[rel] = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const sampleScript: Partial<Record<string, string>> = {
    ApplicationStop: 'application-stop.sh',
    BeforeInstall: 'before-install.sh',
    ApplicationStart: 'application-start.sh',
    ValidateService: 'validate-service.sh',
  };
  const hooks: Record<string, HookSpec> = {};
  for (const event of LOGGED_HOOKS) {
    const script = sampleScript[event];
    hooks[event] = {
      script: [`echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $HOST_LABEL" >> "$CUTOVER_INSTALL_ROOT/ran.log"`, ...(script ? [`bash "$(dirname "$0")/../scripts/${script}"`] : [])].join('\n'),
      timeout: 30,
    };
  }
  return makeBundle({ files, install: [{ source: 'app', destination: '/opt/cutover-sample' }], hooks });
}

/** Agents, load balancer, group and configs; then a first deployment so that one pool serves version 1. */
export async function startBlueGreenWorld(sys: TestSystem, app: string): Promise<BlueGreenWorld> {
  const lb = await startLoadBalancer('builtin', path.join(sys.dir, 'lb'));
  try {
    await Promise.all(
      Object.entries(HOSTS).flatMap(([pool, names]) =>
        names.map(async (name) => {
          const port = await freePort();
          await sys.startAgent(name, { app: `${app}-bg`, pool, 'cutover:target': `127.0.0.1:${port}` }, { APP_PORT: String(port) });
        }),
      ),
    );
    await sys.rest.ok('POST', `/v1/applications/${app}/deployment-groups`, {
      name: BG_GROUP,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      instanceTagFilters: [{ key: 'app', value: `${app}-bg` }],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: lb.loadBalancerInfo({ deregistrationDelaySeconds: 1 }),
      blueGreenDeploymentConfiguration: { pools: POOLS, terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } },
    });
    const minimumHealthyHosts = { type: 'HOST_COUNT', value: 0 };
    await sys.rest.ok('POST', '/v1/deployment-configs', { name: LINEAR, minimumHealthyHosts, trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 34, linearIntervalSeconds: 2 } } });
    // Long enough that the alarm always goes off during the canary, even after a kill.
    await sys.rest.ok('POST', '/v1/deployment-configs', { name: CANARY, minimumHealthyHosts, trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 50, canaryIntervalSeconds: 60 } } });
    // Pool a is live with nothing serving yet: b gets version 1 and all the traffic.
    const first = await sys.rest.deploy(app, BG_GROUP, await sys.rest.upload(app, await loggingSampleApp('1')));
    await sys.rest.finished(first, 'Succeeded', 120_000);
    return { lb, livePool: 'b', liveVersion: '1', version: 1 };
  } catch (err) {
    await lb.stop();
    throw err;
  }
}

export async function stopBlueGreenWorld(bg: BlueGreenWorld): Promise<void> {
  await bg.lb.stop();
}

/** Which versions answer through the load balancer now (`count` sequential requests; failures listed). */
async function versionsServed(ctx: Context, count = 40): Promise<{ byVersion: Record<string, number>; failures: string[] }> {
  const report = await sample(ctx.bg.lb.url, count);
  return { byVersion: report.byVersion, failures: report.failures.map((f) => f.what) };
}

async function livePoolStored(ctx: Context): Promise<string | undefined> {
  const groupId = (await ctx.sys.rest.ok('GET', `/v1/applications/${ctx.app}/deployment-groups/${BG_GROUP}`)).deploymentGroupId;
  return (await ctx.redis.hget(`{${ctx.sys.prefix}}:group-last:${groupId}`, 'livePool')) ?? undefined;
}

/** StopDeployment at `stopAtMs` (see STOP_IN_INSTALL_MS); the answer. */
async function stopLater(sys: TestSystem, id: string, stopAtMs: number) {
  if (stopAtMs <= STOP_IN_INSTALL_MS) await sleep(stopAtMs);
  else {
    // The record's own start of the shift (same clock), not the moment a poll happens to see it.
    let startedMs = Date.now();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const d = await sys.rest.deployment(id);
      if (d.blueGreen?.shiftStartedAt) startedMs = Date.parse(d.blueGreen.shiftStartedAt);
      if (TERMINAL.includes(d.status) || d.blueGreen?.shiftStartedAt) break;
      await sleep(50);
    }
    await sleep(Math.max(0, startedMs + stopAtMs - STOP_IN_INSTALL_MS - Date.now()));
  }
  return sys.rest.request('POST', `/v1/deployments/${id}/stop`, {});
}

const pair = (h: BlueGreenRecord['history'][number]) => `${h.step}:${h.percent}:${h.reason}`;

/**
 * One blue/green trial: deploy (and stop, for blue-green-stop), SIGKILL the workers at `killAtMs`,
 * restart them after `downForMs`, check. Returns the problems and the rollback's id, if any.
 */
export async function runBlueGreenTrial(
  ctx: Context,
  kind: BlueGreenKind,
  killAtMs: number,
  downForMs: number,
  stopAtMs: number,
): Promise<{ deploymentId: string; rollbackId?: string; note?: string; problems: string[] }> {
  const { sys, bg, app } = ctx;
  const version = String(++bg.version);
  const alarm = kind === 'blue-green-alarm';
  if (alarm) {
    await sys.rest.ok('PUT', `/v1/applications/${app}/deployment-groups/${BG_GROUP}`, {
      alarmConfiguration: {
        enabled: true,
        evaluationIntervalSeconds: 1,
        alarms: [{ name: 'new-pool-errors', type: 'ERROR_RATE', thresholdPercent: 20, minimumRequests: 20, windowSeconds: 10 }],
      },
    });
  }
  const digest = await sys.rest.upload(app, await loggingSampleApp(version, alarm ? { failEvery: 2 } : {}));
  const loop: LoadLoop | undefined = alarm ? startLoadLoop(bg.lb.url, { concurrency: 1, maxMs: 180_000 }) : undefined;
  const deploymentId = await sys.rest.deploy(app, BG_GROUP, digest, {
    deploymentConfigName: alarm ? CANARY : LINEAR,
    ...(alarm ? { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] } } : {}),
  });
  const stop = kind === 'blue-green-stop' ? stopLater(sys, deploymentId, stopAtMs) : undefined;
  await sleep(killAtMs);
  await sys.workers!.kill();
  await sleep(downForMs);
  await sys.startWorkers();

  const problems: string[] = [];
  let rollbackId: string | undefined;
  const livePool = bg.livePool;
  let note: string | undefined;
  try {
    const stopped = await stop;
    if (stopped && (stopped.status !== 200 || !['Pending', 'Succeeded'].includes(stopped.body.status))) {
      problems.push(`the stop was answered ${stopped.status} ${JSON.stringify(stopped.body)}`);
    }
    const d = await sys.rest.waitFor(deploymentId, TERMINAL, 120_000);
    const targets = await sys.rest.targets(deploymentId);
    const record = d.blueGreen as BlueGreenRecord | undefined;
    // Which part of the deployment the trial hit: the weights it went through (e.g. "34 68 0/stop").
    note = record ? `shifts [${record.history.map((h) => (h.reason === 'step' ? `${h.percent}` : `${h.percent}/${h.reason}`)).join(' ')}]` : 'never started';
    if (stop && stopAtMs > STOP_IN_INSTALL_MS) note += `, stopped ${stopAtMs - STOP_IN_INSTALL_MS} ms into the shift`;
    if (record) problems.push(...checkRecord(kind, d, record, targets, livePool));
    else if (kind === 'blue-green-stop') {
      // Stopped before it started (still Created or Queued): no pools chosen, no instance touched.
      problems.push(...expectDeployment(d, { status: 'Stopped', errorCode: 'MANUAL_STOP', overview: {} }));
      if (targets.length > 0) problems.push(`${targets.length} targets but no blue/green record`);
    } else problems.push('no blueGreen record on the deployment');
    if (kind === 'blue-green-linear' && record && d.status === 'Succeeded') {
      bg.livePool = record.replacementPool;
      bg.liveVersion = version;
    }
    problems.push(...(await checkDeployment(sys, ctx.redis, app, deploymentId, BG_GROUP)));

    if (stopped) {
      const again = await sys.rest.request('POST', `/v1/deployments/${deploymentId}/stop`, {});
      if (again.status !== 200 || again.body.status !== 'Succeeded') problems.push(`a stop after the end was answered ${again.status} ${JSON.stringify(again.body)}`);
    }
    if (alarm) {
      rollbackId = await rollbackOf(sys, deploymentId);
      if (!rollbackId) problems.push('no rollback was linked to the stopped deployment');
      else problems.push(...(await checkRollback(ctx, deploymentId, rollbackId, livePool)).map((p) => `rollback: ${p}`));
    }

    // Where the traffic is now, as a user would see it; and which pool the group calls live.
    const served = await versionsServed(ctx);
    if (served.failures.length > 0) problems.push(`requests failed through the load balancer: ${served.failures.slice(0, 3).join('; ')}`);
    if (JSON.stringify(served.byVersion) !== JSON.stringify({ [bg.liveVersion]: 40 })) {
      problems.push(`the load balancer served ${JSON.stringify(served.byVersion)}, expected only version ${bg.liveVersion}`);
    }
    const live = await livePoolStored(ctx);
    if (live !== bg.livePool) problems.push(`the group's live pool is ${live}, expected ${bg.livePool}`);
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    await loop?.stop();
    if (alarm) await sys.rest.ok('PUT', `/v1/applications/${app}/deployment-groups/${BG_GROUP}`, { alarmConfiguration: null });
  }
  return { deploymentId, rollbackId, note, problems };
}

/** What the deployment's blue/green record and targets must show for the trial's kind. */
function checkRecord(kind: BlueGreenKind, d: any, record: BlueGreenRecord, targets: any[], livePool: string): string[] {
  const problems: string[] = [];
  const alarm = kind === 'blue-green-alarm';
  // What the trial before left: the live pool is the original one, the other is the replacement.
  if (record.originalPool !== livePool) problems.push(`original pool ${record.originalPool}, but ${livePool} was live`);
  if (record.replacementPool === record.originalPool) problems.push(`replacement pool ${record.replacementPool} is the original pool`);
  for (const t of targets) {
    const pool = t.instanceLabel === 'Green' ? record.replacementPool : record.originalPool;
    if (!HOSTS[pool]?.includes(t.targetId)) problems.push(`${t.targetId} is ${t.instanceLabel}, but it is not in pool ${pool}`);
  }
  const history = record.history.map(pair);

  if (kind === 'blue-green-linear') {
    problems.push(...expectDeployment(d, { status: 'Succeeded', overview: { Succeeded: 4, Failed: 0, Skipped: 0 } }));
    const expected = LINEAR_STEPS.map((percent, step) => `${step}:${percent}:step`);
    if (history.join(' ') !== expected.join(' ')) problems.push(`history ${history.join(' ')}, expected ${expected.join(' ')}`);
    for (const t of targets) {
      const names = t.lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName);
      const want = t.instanceLabel === 'Green' ? GREEN_EVENTS : BLUE_EVENTS;
      if (names.join(',') !== want.join(',')) problems.push(`${t.targetId} (${t.instanceLabel}) walked ${names.join(',')}`);
      if (t.status !== 'Succeeded') problems.push(`${t.targetId} ended ${t.status}`);
    }
  } else {
    const code = alarm ? 'ALARM_ACTIVE' : 'MANUAL_STOP';
    problems.push(...expectDeployment(d, { status: 'Stopped', errorCode: code, overview: { Pending: 0, InProgress: 0, Ready: 0 } }));
    // The steps that ran are the schedule's first ones, in order, each once; then, if any weight
    // had moved, exactly one record putting it back to 0 %, last.
    const schedule = alarm ? [50, 100] : LINEAR_STEPS;
    const steps = record.history.filter((h) => h.reason === 'step');
    const expectedSteps = schedule.slice(0, steps.length).map((percent, step) => `${step}:${percent}:step`);
    if (steps.map(pair).join(' ') !== expectedSteps.join(' ')) problems.push(`steps ${steps.map(pair).join(' ')}, expected ${expectedSteps.join(' ')}`);
    const back = record.history.filter((h) => h.reason !== 'step');
    const reason = alarm ? 'alarm' : 'stop';
    if (steps.length > 0 || alarm) {
      if (back.length !== 1 || back[0].reason !== reason || back[0].percent !== 0 || record.history[record.history.length - 1] !== back[0]) {
        problems.push(`traffic moved (${history.join(' ')}): expected one last '${reason}' record at 0 %`);
      }
    } else if (back.length > 0) problems.push(`no traffic moved, yet the history is ${history.join(' ')}`);
    if (record.percent !== 0) problems.push(`the record says ${record.percent} % is on the replacement pool`);
    if (alarm && !record.alarmEvaluations.some((e) => e.alarmName === 'new-pool-errors' && e.state === 'ALARM')) problems.push('no ALARM evaluation recorded');
  }
  return problems;
}

async function rollbackOf(sys: TestSystem, id: string): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = (await sys.rest.deployment(id)).rollbackInfo;
    if (info?.rollbackMessage) return info.rollbackDeploymentId;
    await sleep(200);
  }
  return undefined;
}

/** A reroute-only rollback: Succeeded, linked both ways, the only one; its Green instances (the pool still serving the old version) only take traffic back. */
async function checkRollback(ctx: Context, triggeringId: string, rollbackId: string, livePool: string): Promise<string[]> {
  const { sys } = ctx;
  const problems: string[] = [];
  const r = await sys.rest.waitFor(rollbackId, TERMINAL, 120_000);
  problems.push(...expectDeployment(r, { status: 'Succeeded', overview: { Succeeded: 4, Failed: 0, Skipped: 0 } }));
  if (r.creator !== 'codeDeployRollback') problems.push(`creator ${r.creator}`);
  if (r.rollbackInfo?.rollbackTriggeringDeploymentId !== triggeringId) problems.push('not linked back to the stopped deployment');
  const record = r.blueGreen as BlueGreenRecord | undefined;
  if (record?.replacementPool !== livePool) problems.push(`traffic went to pool ${record?.replacementPool}, not back to ${livePool}`);
  for (const t of await sys.rest.targets(rollbackId)) {
    const names = t.lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName);
    const want = t.instanceLabel === 'Green' ? REROUTE_EVENTS : BLUE_EVENTS;
    if (names.join(',') !== want.join(',')) problems.push(`${t.targetId} (${t.instanceLabel}) walked ${names.join(',')}`);
  }
  problems.push(...(await checkDeployment(sys, ctx.redis, ctx.app, rollbackId, BG_GROUP)));
  const all = (await sys.rest.ok('GET', `/v1/deployments?applicationName=${ctx.app}&deploymentGroupName=${BG_GROUP}`)).deployments as any[];
  const rollbacks = all.filter((x) => x.rollbackInfo?.rollbackTriggeringDeploymentId === triggeringId);
  if (rollbacks.length !== 1) problems.push(`${rollbacks.length} rollbacks were created, not 1`);
  return problems;
}
