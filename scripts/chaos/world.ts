/**
 * The chaos harness (scripts/chaos.ts, test/e2e/chaos.test.ts): a real Cutover with its workers
 * in a process of their own, three real agents, and trials that SIGKILL the workers at a random
 * moment of an in-place deployment, restart them after a random pause, and then check that the
 * deployment ended in the right state with every lifecycle event recorded exactly once:
 *
 *   - the final status, error code and overview the scenario must produce;
 *   - the overview counters equal the targets' statuses;
 *   - on each host, each hook ran once if its event Succeeded or Failed, never if Skipped
 *     (the hooks append "<event> <deployment> <host>" to a file on the host);
 *   - the deployment's event stream holds one terminal record per (host, event), one final status
 *     per host and one final deployment status;
 *   - nothing is left behind: no open command, not active, no rollback pending, slot released;
 *   - a failed deployment with rollback configured has exactly one rollback, linked both ways,
 *     which passes the same checks;
 *   - a deployment stopped (StopDeployment) at another random moment ends Stopped, MANUAL_STOP,
 *     with nothing in flight, whenever the workers die around the stop.
 *
 * Blue/green deployments do not exist yet, so every trial is in place.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { TestSystem } from '../../test/helpers/system.js';
import { makeBundle, type HookSpec } from '../../test/helpers/bundles.js';
import { connectRedis } from '../../test/helpers/redis.js';

export const KINDS = ['one-at-a-time', 'half-at-a-time', 'all-at-once', 'fail-then-rollback', 'stop-midway'] as const;
export type TrialKind = (typeof KINDS)[number];

const APP = 'chaos';
const HOSTS = ['cx-1', 'cx-2', 'cx-3'];
const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;
const TERMINAL = ['Succeeded', 'Failed', 'Stopped'];

interface Scenario {
  group: string;
  revision: 'good' | 'bad' | 'slow';
  /** Upper bound of the random kill time: about the deployment's length (its rollback's too). */
  killWithinMs: number;
  /** When set, StopDeployment is called at a random moment before this. */
  stopWithinMs?: number;
  expected: { status: string; errorCode?: string; overview: Record<string, number>; rollback?: boolean };
}

const SCENARIOS: Record<TrialKind, Scenario> = {
  'one-at-a-time': { group: 'one', revision: 'good', killWithinMs: 7000, expected: { status: 'Succeeded', overview: { Succeeded: 3, Failed: 0, Skipped: 0 } } },
  'half-at-a-time': { group: 'half', revision: 'good', killWithinMs: 5000, expected: { status: 'Succeeded', overview: { Succeeded: 3, Failed: 0, Skipped: 0 } } },
  'all-at-once': { group: 'all', revision: 'good', killWithinMs: 3000, expected: { status: 'Succeeded', overview: { Succeeded: 3, Failed: 0, Skipped: 0 } } },
  // OneAtATime, ValidateService fails on cx-2: cx-1 done, cx-2 Failed, cx-3 Skipped; the rollback redeploys the good revision.
  'fail-then-rollback': {
    group: 'rollback',
    revision: 'bad',
    killWithinMs: 10000,
    expected: { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', overview: { Succeeded: 1, Failed: 1, Skipped: 1 }, rollback: true },
  },
  // OneAtATime with slower hooks, stopped part-way: which hosts finished depends on the moment.
  'stop-midway': { group: 'stop', revision: 'slow', killWithinMs: 8000, stopWithinMs: 5000, expected: { status: 'Stopped', errorCode: 'MANUAL_STOP', overview: { Pending: 0, InProgress: 0 } } },
};

export interface ChaosWorld {
  sys: TestSystem;
  redis: Redis;
  revisions: { good: string; bad: string; slow: string };
  log: (line: string) => void;
}

export interface TrialResult {
  kind: TrialKind;
  deploymentId: string;
  rollbackId?: string;
  killAtMs: number;
  downForMs: number;
  seconds: number;
  problems: string[];
}

/** Hooks that append "<event> <deployment> <host>" to ran.log on the host (checkDeployment counts them); ValidateService fails on `failOn`. */
export function loggingHooks(failOn?: string, sleepSeconds = 0.2): Partial<Record<string, HookSpec>> {
  return Object.fromEntries(
    HOOKS.map((event) => [
      event,
      {
        script: [
          `echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $HOST_LABEL" >> "$CUTOVER_INSTALL_ROOT/ran.log"`,
          `sleep ${sleepSeconds}`,
          ...(failOn && event === 'ValidateService' ? [`if [ "$HOST_LABEL" = "${failOn}" ]; then echo "unhealthy" >&2; exit 1; fi`] : []),
        ].join('\n'),
      },
    ]),
  );
}

export async function startChaosWorld(label: string, log: (line: string) => void): Promise<ChaosWorld> {
  const sys = await TestSystem.start({ label, split: true });
  try {
    await Promise.all(HOSTS.map((name) => sys.startAgent(name, { app: APP })));
    await sys.rest.createApplication(APP);
    const groups: [string, string, Record<string, unknown>][] = [
      ['one', 'CodeDeployDefault.OneAtATime', {}],
      ['half', 'CodeDeployDefault.HalfAtATime', {}],
      ['all', 'CodeDeployDefault.AllAtOnce', {}],
      ['rollback', 'CodeDeployDefault.OneAtATime', { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } }],
      ['stop', 'CodeDeployDefault.OneAtATime', {}],
    ];
    for (const [name, config, extra] of groups) {
      await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
        name,
        deploymentConfigName: config,
        instanceTagFilters: [{ key: 'app', value: APP }],
        ...extra,
      });
    }
    const good = await sys.rest.upload(APP, await makeBundle({ hooks: loggingHooks() }));
    const bad = await sys.rest.upload(APP, await makeBundle({ hooks: loggingHooks('cx-2') }));
    const slow = await sys.rest.upload(APP, await makeBundle({ hooks: loggingHooks(undefined, 0.6) }));
    // The rollback group needs a last good revision before its trials.
    await sys.rest.finished(await sys.rest.deploy(APP, 'rollback', good), 'Succeeded');
    return { sys, redis: connectRedis(sys.redisUrl), revisions: { good, bad, slow }, log };
  } catch (err) {
    await sys.stop();
    throw err;
  }
}

export async function stopChaosWorld(world: ChaosWorld): Promise<void> {
  world.redis.disconnect();
  await world.sys.stop();
}

/**
 * One trial: deploy, SIGKILL the workers at `killAtMs`, restart them after `downForMs`, check the
 * outcome. `stopAtMs` (stop-midway trials): when StopDeployment is called, on its own clock.
 */
export async function runTrial(world: ChaosWorld, kind: TrialKind, killAtMs: number, downForMs: number, stopAtMs = 0): Promise<TrialResult> {
  const { sys } = world;
  const scenario = SCENARIOS[kind];
  const started = Date.now();
  const deploymentId = await sys.rest.deploy(APP, scenario.group, world.revisions[scenario.revision]);
  const stop =
    scenario.stopWithinMs === undefined
      ? undefined
      : sleep(stopAtMs).then(() => sys.rest.request('POST', `/v1/deployments/${deploymentId}/stop`, {}));
  await sleep(killAtMs);
  await sys.workers!.kill();
  await sleep(downForMs);
  await sys.startWorkers();

  const problems: string[] = [];
  let rollbackId: string | undefined;
  try {
    const stopped = await stop;
    if (stopped && (stopped.status !== 200 || !['Pending', 'Succeeded'].includes(stopped.body.status))) {
      problems.push(`the stop was answered ${stopped.status} ${JSON.stringify(stopped.body)}`);
    }
    const d = await sys.rest.waitFor(deploymentId, TERMINAL, 120_000);
    problems.push(...expectDeployment(d, scenario.expected));
    problems.push(...(await checkDeployment(sys, world.redis, APP, deploymentId, scenario.group)));
    if (stopped) {
      const again = await sys.rest.request('POST', `/v1/deployments/${deploymentId}/stop`, {});
      if (again.status !== 200 || again.body.status !== 'Succeeded') problems.push(`a stop after the end was answered ${again.status} ${JSON.stringify(again.body)}`);
    }
    if (scenario.expected.rollback) {
      rollbackId = await waitForRollback(world, deploymentId);
      if (!rollbackId) problems.push('no rollback was linked to the failed deployment');
      else {
        const r = await sys.rest.waitFor(rollbackId, TERMINAL, 120_000);
        problems.push(...expectDeployment(r, { status: 'Succeeded', overview: { Succeeded: 3, Failed: 0, Skipped: 0 } }).map((p) => `rollback: ${p}`));
        if (r.creator !== 'codeDeployRollback') problems.push(`rollback: creator ${r.creator}`);
        if (r.rollbackInfo?.rollbackTriggeringDeploymentId !== deploymentId) problems.push('rollback: not linked back to the failed deployment');
        if (r.revision?.digest !== world.revisions.good) problems.push('rollback: not the last good revision');
        problems.push(...(await checkDeployment(sys, world.redis, APP, rollbackId, scenario.group)).map((p) => `rollback: ${p}`));
        const all = (await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=${scenario.group}`)).deployments as any[];
        const rollbacks = all.filter((x) => x.rollbackInfo?.rollbackTriggeringDeploymentId === deploymentId);
        if (rollbacks.length !== 1) problems.push(`${rollbacks.length} rollbacks were created, not 1`);
      }
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  return { kind, deploymentId, rollbackId, killAtMs, downForMs, seconds: (Date.now() - started) / 1000, problems };
}

export function killWindowMs(kind: TrialKind): number {
  return SCENARIOS[kind].killWithinMs;
}

/** The window of the random stop moment (0 for trials that do not stop). */
export function stopWindowMs(kind: TrialKind): number {
  return SCENARIOS[kind].stopWithinMs ?? 0;
}

function expectDeployment(d: any, expected: Scenario['expected']): string[] {
  const problems: string[] = [];
  if (d.status !== expected.status) problems.push(`status ${d.status}, expected ${expected.status} (${JSON.stringify(d.errorInformation ?? {})})`);
  if (expected.errorCode && d.errorInformation?.code !== expected.errorCode) problems.push(`error ${d.errorInformation?.code}, expected ${expected.errorCode}`);
  for (const [key, value] of Object.entries(expected.overview)) {
    if (d.deploymentOverview?.[key] !== value) problems.push(`overview ${key}=${d.deploymentOverview?.[key]}, expected ${value}`);
  }
  return problems;
}

async function waitForRollback(world: ChaosWorld, id: string): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = (await world.sys.rest.deployment(id)).rollbackInfo;
    if (info?.rollbackMessage) return info.rollbackDeploymentId;
    await sleep(200);
  }
  return undefined;
}

/** The checks every finished deployment must pass (see the module comment); its hooks must be loggingHooks. */
export async function checkDeployment(sys: TestSystem, redis: Redis, app: string, id: string, group: string): Promise<string[]> {
  const problems: string[] = [];
  const d = await sys.rest.deployment(id);
  const targets = await sys.rest.targets(id);

  const counts: Record<string, number> = {};
  for (const t of targets) counts[t.status] = (counts[t.status] ?? 0) + 1;
  for (const key of ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped']) {
    if ((d.deploymentOverview[key] ?? 0) !== (counts[key] ?? 0)) problems.push(`overview ${key}=${d.deploymentOverview[key]} but ${counts[key] ?? 0} targets are ${key}`);
  }

  const stream = await redis.xrange(`{${sys.prefix}}:dep:${id}:events`, '-', '+');
  const events = stream.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]));
  const finalStatuses = events.filter((e) => e.type === 'DeploymentStatus' && TERMINAL.includes(e.status));
  if (finalStatuses.length !== 1) problems.push(`${finalStatuses.length} final deployment status events`);

  for (const t of targets) {
    const host = t.targetId as string;
    const ran = (await readFile(path.join(sys.agents.get(host)!.installRoot, 'ran.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line.endsWith(` ${id} ${host}`));
    if (!['Succeeded', 'Failed', 'Skipped'].includes(t.status)) problems.push(`${host} ended ${t.status}`);
    const hostFinal = events.filter((e) => e.type === 'InstanceStatus' && e.instanceId === host && ['Succeeded', 'Failed', 'Skipped'].includes(e.status));
    if (hostFinal.length !== 1) problems.push(`${host}: ${hostFinal.length} final instance status events`);
    for (const event of t.lifecycleEvents as { lifecycleEventName: string; status: string; diagnostics?: { message: string } }[]) {
      const name = event.lifecycleEventName;
      if (!['Succeeded', 'Failed', 'Skipped'].includes(event.status)) problems.push(`${host} ${name} ended ${event.status}`);
      const recorded = events.filter((e) => e.type === 'LifecycleEvent' && e.instanceId === host && e.lifecycleEventName === name && ['Succeeded', 'Failed', 'Skipped'].includes(e.status));
      if (recorded.length !== 1) problems.push(`${host} ${name}: ${recorded.length} final records in the event stream`);
      if (!(HOOKS as readonly string[]).includes(name)) continue;
      const times = ran.filter((line) => line.startsWith(`${name} `)).length;
      // A hook stopped by StopDeployment may have been killed before it got to write its line.
      const stoppedEarly = event.status === 'Failed' && (event.diagnostics?.message ?? '').includes('the deployment was stopped') && times === 0;
      const expected = event.status === 'Succeeded' || (event.status === 'Failed' && !stoppedEarly) ? 1 : 0;
      if (times !== expected) problems.push(`${host} ${name} (${event.status}) ran ${times} times, expected ${expected}`);
    }
  }

  const k = `{${sys.prefix}}`;
  const open = (await redis.zrange(`${k}:cmds:open`, 0, -1)).filter((c) => c.startsWith(`${id}.`));
  if (open.length > 0) problems.push(`open commands left: ${open.join(', ')}`);
  if (await redis.sismember(`${k}:deps:active`, id)) problems.push('still in the active set');
  if (await redis.sismember(`${k}:deps:rollback-pending`, id)) problems.push('rollback still pending');
  const groupId = (await sys.rest.ok('GET', `/v1/applications/${app}/deployment-groups/${group}`)).deploymentGroupId;
  // The slot may already belong to this deployment's rollback; never to the deployment itself.
  if ((await redis.get(`${k}:group-lock:${groupId}`)) === id) problems.push('still holds its group slot');
  return problems;
}

/** A small seeded generator (mulberry32), so a failing run can be repeated with --seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
