/**
 * The chaos harness (scripts/chaos.ts, test/e2e/chaos.test.ts): a real Cutover with its workers
 * in a process of their own, real agents — three for in-place groups, four more in two pools
 * behind the built-in load balancer for a blue/green group (./blue-green.ts) — and trials that
 * SIGKILL the workers at a random moment of a deployment, restart them after a random pause, and
 * then check that the deployment ended in the right state with every lifecycle event recorded
 * exactly once (./checks.ts):
 *
 *   - the final status, error code and overview the scenario must produce;
 *   - the overview counters equal the targets' statuses;
 *   - on each host, each hook ran once if its event Succeeded or Failed, never if Skipped
 *     (the hooks append "<event> <deployment> <host>" to a file on the host);
 *   - the deployment's event stream holds one terminal record per (host, event), one final status
 *     per host and one final deployment status, which comes after every host's;
 *   - nothing is left behind: no open command, not active, no rollback pending, slot released;
 *   - a failed deployment with rollback configured has exactly one rollback, linked both ways,
 *     which passes the same checks;
 *   - a deployment stopped (StopDeployment) at another random moment ends Stopped, MANUAL_STOP,
 *     with nothing in flight, whenever the workers die around the stop;
 *   - blue/green: the traffic steps each once and in order, traffic where it should be (sampled
 *     through the load balancer), the pools swapped on success only, and after an alarm one
 *     reroute-only rollback (see ./blue-green.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { TestSystem } from '../../test/helpers/system.js';
import { makeBundle, type HookSpec } from '../../test/helpers/bundles.js';
import { connectRedis } from '../../test/helpers/redis.js';
import { TERMINAL, checkDeployment, expectDeployment, type Expected } from './checks.js';

// Other fault tests check their deployments the same way.
export { checkDeployment } from './checks.js';
import { BLUE_GREEN_KINDS, BLUE_GREEN_WINDOWS, runBlueGreenTrial, startBlueGreenWorld, stopBlueGreenWorld, type BlueGreenKind, type BlueGreenWorld } from './blue-green.js';

const IN_PLACE_KINDS = ['one-at-a-time', 'half-at-a-time', 'all-at-once', 'fail-then-rollback', 'stop-midway'] as const;
type InPlaceKind = (typeof IN_PLACE_KINDS)[number];
/** The order `npm run chaos` cycles through: in place and blue/green interleaved. */
export const KINDS = [
  'one-at-a-time',
  'blue-green-linear',
  'half-at-a-time',
  'blue-green-stop',
  'all-at-once',
  'blue-green-alarm',
  'fail-then-rollback',
  'stop-midway',
] as const satisfies readonly (InPlaceKind | BlueGreenKind)[];
export type TrialKind = InPlaceKind | BlueGreenKind;

function isBlueGreen(kind: TrialKind): kind is BlueGreenKind {
  return (BLUE_GREEN_KINDS as readonly string[]).includes(kind);
}

const APP = 'chaos';
const HOSTS = ['cx-1', 'cx-2', 'cx-3'];
const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;

interface Scenario {
  group: string;
  revision: 'good' | 'bad' | 'slow';
  /** Upper bound of the random kill time: about the deployment's length (its rollback's too). */
  killWithinMs: number;
  /** When set, StopDeployment is called at a random moment before this. */
  stopWithinMs?: number;
  expected: Expected & { rollback?: boolean };
}

const SCENARIOS: Record<InPlaceKind, Scenario> = {
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
  /** The blue/green part (absent when the world was started without it). */
  bg?: BlueGreenWorld;
  log: (line: string) => void;
}

export interface TrialResult {
  kind: TrialKind;
  deploymentId: string;
  rollbackId?: string;
  /** A word on what the trial hit (blue/green: the traffic shifts recorded). */
  note?: string;
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

export async function startChaosWorld(label: string, log: (line: string) => void, options: { blueGreen?: boolean } = {}): Promise<ChaosWorld> {
  // Fast traffic polling (health of newly registered targets), as the blue/green tests run it.
  const sys = await TestSystem.start({ label, split: true, env: { CUTOVER_TRAFFIC_POLL_MS: '200' } });
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
    const bg = options.blueGreen === false ? undefined : await startBlueGreenWorld(sys, APP);
    return { sys, redis: connectRedis(sys.redisUrl), revisions: { good, bad, slow }, bg, log };
  } catch (err) {
    await sys.stop();
    throw err;
  }
}

export async function stopChaosWorld(world: ChaosWorld): Promise<void> {
  world.redis.disconnect();
  if (world.bg) await stopBlueGreenWorld(world.bg);
  await world.sys.stop();
}

/**
 * One trial: deploy, SIGKILL the workers at `killAtMs`, restart them after `downForMs`, check the
 * outcome. `stopAtMs` (stop-midway, blue-green-stop): when StopDeployment is called, on its own clock
 * (blue-green-stop: see STOP_IN_INSTALL_MS in ./blue-green.ts).
 */
export async function runTrial(world: ChaosWorld, kind: TrialKind, killAtMs: number, downForMs: number, stopAtMs = 0): Promise<TrialResult> {
  const { sys } = world;
  const started = Date.now();
  if (isBlueGreen(kind)) {
    if (!world.bg) throw new Error(`a ${kind} trial needs a world started with blue/green`);
    const result = await runBlueGreenTrial({ sys, redis: world.redis, app: APP, bg: world.bg }, kind, killAtMs, downForMs, stopAtMs);
    return { kind, killAtMs, downForMs, seconds: (Date.now() - started) / 1000, ...result };
  }
  const scenario = SCENARIOS[kind];
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
  return isBlueGreen(kind) ? BLUE_GREEN_WINDOWS[kind].killWithinMs : SCENARIOS[kind].killWithinMs;
}

/** The window of the random stop moment (0 for trials that do not stop). */
export function stopWindowMs(kind: TrialKind): number {
  return (isBlueGreen(kind) ? BLUE_GREEN_WINDOWS[kind].stopWithinMs : SCENARIOS[kind].stopWithinMs) ?? 0;
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
