/**
 * `npm run bench:fleet [-- --hosts 1000] [--configs AllAtOnce,HalfAtATime] [--hooks noop|script]
 *                       [--profile] [--timeout-s S] [--chart FILE|none] [--max-minutes M]
 *                       [--root-dir DIR] [--worker-concurrency N] [--poll-wait-s S] [--agents-per-process 2000]
 *                       [--memory] [--allocations] [--heap-snapshot] [--separate-workers] [--cp-node-flags="--heap-growing-percent=50 …"]
 *                       [--chart-from saved-output.log,...]   (no measuring: chart earlier RESULT lines)`
 *
 * For each fleet size: a fresh control plane (scripts/start.ts, api + workers, its own process),
 * the raw-BullMQ baseline on the same Redis, then the fleet simulator (N production agents in
 * ⌈N / --agents-per-process⌉ processes) and one deployment per config, timed from
 * `POST /v1/deployments` to the deployment's completeTime (a case is Succeeded only when every
 * host is). Prints
 * every figure, a RESULT line per case, a Markdown table and (with ≥ 2 sizes) an SVG chart
 * (docs/benchmarks/fleet-time.svg unless --chart says otherwise).
 *
 * --hooks noop (default): the simulator's agents use an in-process no-op hook runner, so the
 * figures are the control plane's and the agent's own work; --hooks script runs the bundle's
 * trivial scripts with the real runner (a process per hook). --profile writes .cpuprofile files
 * of the control plane and the simulator for exactly each measured deployment (under
 * .cutover/bench/) and prints where the time went. Each case has a timeout (60 s + 0.25 s per
 * host unless --timeout-s), the whole run a hard limit (--max-minutes); it always stops by itself
 * and removes its Redis keys, directories and processes.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { ControlPlane, REDIS_URL } from './lib/control-plane.js';
import { describeMachine, loadAverages, loadText, machineLines } from './lib/machine.js';
import { hardDeadline, REPO_ROOT, runMain, stopAll, stopEverythingOnSignal, until, type Child } from './lib/processes.js';
import { startSimulators, stopSimulators } from './fleet-simulators.js';
import { benchBundle } from './lib/bundle.js';
import { measureCase, type CaseResult } from './fleet-case.js';
import { chartCasesFromLines, fleetChart, fleetTable } from './fleet-report.js';
import { resultLine } from './lib/result-line.js';
import { parseInfo } from './lib/redis-info.js';
import { runBaseline, type BaselineResult } from './fleet-baseline.js';

const CONFIGS = ['AllAtOnce', 'HalfAtATime', 'OneAtATime'] as const;
type ConfigName = (typeof CONFIGS)[number];
const EVENTS_PER_INSTANCE = lifecycleFor('IN_PLACE', false).length;

interface Options {
  sizes: number[];
  configs: ConfigName[];
  hooks: 'noop' | 'script';
  profile: boolean;
  timeoutS?: number;
  chart: string;
  rootDir: string;
  workerConcurrency?: number;
  /** The agents' long-poll wait (CUTOVER_POLL_WAIT_SECONDS); the heartbeat timeout is set to twice it. */
  pollWaitS?: number;
  /** The simulator runs as ceil(hosts / this) processes. */
  agentsPerProcess: number;
  /** Preload lib/fleet-memory-probe.ts into the control plane: where its RSS goes (heap, external, the rest). */
  memory: boolean;
  /** With --memory: V8's sampling heap profile of the case (where the bytes were allocated, garbage included). */
  allocations: boolean;
  /** With --memory: a V8 heap snapshot of the control plane after each case (after a full GC), under .cutover/bench/. */
  heapSnapshot: boolean;
  /** Node flags for the control plane (a V8 heap setting being measured). */
  cpNodeFlags: string[];
  /** The api (api/main.ts) and the workers (workers/main.ts) as two processes instead of scripts/start.ts. */
  separateWorkers: boolean;
}

function parseOptions(): Options & { maxMinutes: number; chartFrom?: string[] } {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', multiple: true },
      configs: { type: 'string', default: 'AllAtOnce,HalfAtATime' },
      hooks: { type: 'string', default: 'noop' },
      profile: { type: 'boolean', default: false },
      'timeout-s': { type: 'string' },
      chart: { type: 'string' },
      'root-dir': { type: 'string' },
      'max-minutes': { type: 'string', default: '90' },
      'worker-concurrency': { type: 'string' },
      'poll-wait-s': { type: 'string' },
      'chart-from': { type: 'string', multiple: true },
      'agents-per-process': { type: 'string', default: '2000' },
      memory: { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      allocations: { type: 'boolean', default: false },
      'separate-workers': { type: 'boolean', default: false },
      // What `npm start`, `npm run api` and `npm run workers` run with (package.json; docs/BENCHMARKS.md F: the heap's growth factor).
      'cp-node-flags': { type: 'string', default: '--heap-growing-percent=50' },
    },
    strict: true,
  });
  const sizes = (values.hosts ?? ['100,1000,5000']).flatMap((h) => h.split(',')).map((h) => Number(h.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000)) throw new Error('--hosts takes whole numbers from 1 to 20000 (comma-separated or repeated)');
  const configs = values.configs.split(',').map((c) => c.trim().replace(/^CodeDeployDefault\./, '')) as ConfigName[];
  const unknown = configs.filter((c) => !CONFIGS.includes(c));
  if (unknown.length) throw new Error(`unknown --configs ${unknown.join(', ')}; known: ${CONFIGS.join(', ')}`);
  if (values.hooks !== 'noop' && values.hooks !== 'script') throw new Error('--hooks is noop (in-process no-op runner) or script (real runner, trivial scripts)');
  // Simulated hosts' disks: tmpfs when there is one, so the simulator measures agents, not a disk.
  const shm = '/dev/shm';
  const rootDir = values['root-dir'] ?? (existsSync(shm) ? shm : os.tmpdir());
  return {
    sizes,
    configs,
    hooks: values.hooks,
    profile: values.profile,
    timeoutS: values['timeout-s'] ? Number(values['timeout-s']) : undefined,
    chart: values.chart ?? path.join(REPO_ROOT, 'docs', 'benchmarks', 'fleet-time.svg'),
    rootDir,
    maxMinutes: Number(values['max-minutes']),
    workerConcurrency: values['worker-concurrency'] ? Number(values['worker-concurrency']) : undefined,
    pollWaitS: values['poll-wait-s'] ? Number(values['poll-wait-s']) : undefined,
    chartFrom: values['chart-from']?.flatMap((f) => f.split(',')),
    agentsPerProcess: Number(values['agents-per-process']),
    memory: values.memory || values['heap-snapshot'] || values.allocations,
    allocations: values.allocations,
    heapSnapshot: values['heap-snapshot'],
    separateWorkers: values['separate-workers'],
    cpNodeFlags: values['cp-node-flags'].split(/\s+/).filter(Boolean),
  };
}

async function runSize(hosts: number, options: Options, profileDir: string): Promise<{ cases: CaseResult[]; baseline: BaselineResult }> {
  const env: Record<string, string> = {
    ...(options.workerConcurrency ? { CUTOVER_WORKER_CONCURRENCY: String(options.workerConcurrency) } : {}),
    ...(options.pollWaitS ? { CUTOVER_POLL_WAIT_SECONDS: String(options.pollWaitS), CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: String(options.pollWaitS * 2) } : {}),
  };
  const cp = await ControlPlane.start({
    label: `fleet-${hosts}`,
    entry: options.separateWorkers ? 'api/main.ts' : options.profile ? 'scripts/bench/profiled-start.ts' : 'scripts/start.ts',
    separateWorkers: options.separateWorkers,
    ipc: options.profile || options.memory,
    nodeArgs: [...options.cpNodeFlags, ...(options.memory ? ['--expose-gc', '--import', './scripts/bench/lib/fleet-memory-probe.ts'] : [])],
    env,
  });
  const fleetDir = path.join(options.rootDir, `cutover-bench-fleet-${randomBytes(4).toString('hex')}`);
  let sims: Child[] = [];
  let failed = false;
  try {
    console.log(`\n== ${hosts} hosts ==  control plane pid ${cp.child.pid}, prefix ${cp.prefix}, logs ${cp.logDir}`);
    if (options.cpNodeFlags.length) console.log(`control plane node flags: ${options.cpNodeFlags.join(' ')}`);
    const app = 'bench';
    await cp.rest.createApplication(app);
    const groups = new Map<ConfigName, { group: string; digest: string }>();
    for (const config of options.configs) {
      const digest = await cp.rest.upload(app, await benchBundle(`${hosts}-${config}`, `/opt/bench-${config}`));
      const group = `g-${config}`;
      await cp.rest.createGroup(app, group, `CodeDeployDefault.${config}`, { fleet: cp.prefix });
      groups.set(config, { group, digest });
    }

    // The floor first, while no agent is connected: the same Redis, nothing else moving.
    const baseline = await runBaseline(REDIS_URL, hosts * EVENTS_PER_INSTANCE, options.workerConcurrency ?? 50, cp.logDir);
    console.log(
      `baseline: ${baseline.jobs} no-op BullMQ jobs in ${baseline.seconds.toFixed(3)} s (adds ${baseline.addSeconds.toFixed(3)} s), ` +
        `${baseline.redisCommandsPerJob.toFixed(1)} Redis commands per job, baseline process ${baseline.cpuSeconds.toFixed(2)} CPU s, Redis ${baseline.redisCpuSeconds.toFixed(2)} CPU s; ${loadText()}`,
    );

    const registerStart = Date.now();
    const started = await startSimulators({ cp, hosts, perProcess: options.agentsPerProcess, rootDir: fleetDir, hooks: options.hooks, fleetTag: cp.prefix });
    sims = started.sims;
    await until('every host to be registered', async () => ((await cp.registered('fleet', cp.prefix)) === hosts ? true : undefined), 60_000, 500);
    console.log(
      `simulators: ${hosts} agents in ${sims.length} process(es) (pids ${sims.map((s) => s.pid).join(', ')}) registered in ` +
        `${((Date.now() - registerStart) / 1000).toFixed(1)} s; roots under ${fleetDir}, ${options.hooks} hooks`,
    );
    await sleep(2000);

    const cases: CaseResult[] = [];
    for (const config of options.configs) {
      const { group, digest } = groups.get(config)!;
      const timeoutMs = (options.timeoutS ?? 60 + hosts * 0.25) * 1000;
      const result = await measureCase({
        cp,
        sims,
        app,
        group,
        digest,
        config,
        hosts,
        hooks: options.hooks,
        eventsPerInstance: EVENTS_PER_INSTANCE,
        baseline,
        timeoutMs,
        profileDir: options.profile ? profileDir : undefined,
        memory: options.memory,
        allocations: options.allocations,
        heapSnapshotDir: options.heapSnapshot ? profileDir : undefined,
        // Recorded on the RESULT line, so a figure never loses the settings it was measured with.
        extraFields: {
          // `--heap-growing-percent=50` → `--heap-growing-percent:50` (a RESULT value holds no `=` or `,`).
          ...(options.cpNodeFlags.length ? { cp_node_flags: options.cpNodeFlags.join('+').replace(/=/g, ':') } : {}),
          ...(options.separateWorkers ? { cp_processes: 2 } : {}),
        },
      });
      cases.push(result);
      if (result.status !== 'Succeeded') failed = true; // keep the logs to read
      if (result.status === 'timeout') {
        // The fleet is still busy with it: a next case would measure both.
        console.log(`  (the remaining configs of ${hosts} hosts are skipped: the timed-out deployment still runs)`);
        break;
      }
    }
    return { cases, baseline };
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await stopSimulators(sims);
    // A failed size or case keeps its logs (and says where); a good one cleans up unless asked not to.
    await cp.close(failed || !!process.env.CUTOVER_KEEP_BENCH_DIRS);
    if (failed) console.log(`  logs kept in ${cp.logDir}`);
    await rm(fleetDir, { recursive: true, force: true });
  }
}

/** `--chart-from out1.log,out2.log`: draw the chart from the RESULT lines of earlier runs, measuring nothing. */
async function chartFromLogs(files: readonly string[], chart: string): Promise<void> {
  const lines = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((text) => text.split('\n'));
  const cases = chartCasesFromLines(lines);
  await mkdir(path.dirname(chart), { recursive: true });
  await writeFile(chart, fleetChart(cases));
  console.log(`chart of ${cases.length} cases (${files.join(', ')}): ${path.relative(process.cwd(), chart)}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.chartFrom) return chartFromLogs(options.chartFrom, options.chart);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const redisVersion = parseInfo(await redis.info('server')).redis_version ?? 'unknown';
  redis.disconnect();
  const profileDir = path.join(REPO_ROOT, '.cutover', 'bench', `profiles-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (options.profile || options.heapSnapshot) await mkdir(profileDir, { recursive: true });
  const cleanup = async () => undefined;
  stopEverythingOnSignal(cleanup);
  hardDeadline(options.maxMinutes * 60_000, cleanup);

  for (const line of machineLines(describeMachine(redisVersion))) console.log(line);
  console.log(`redis: ${REDIS_URL.replace(/:[^:@/]*@/, ':***@')} (${process.env.BENCH_REDIS_PRIVATE === '1' ? 'private to this run' : 'shared: other clients count in commandstats'})`);
  console.log(
    `fleet bench: sizes ${options.sizes.join(', ')}; configs ${options.configs.join(', ')}; hooks ${options.hooks}; ${EVENTS_PER_INSTANCE} lifecycle events per host; ` +
      `agent poll wait ${options.pollWaitS ? `${options.pollWaitS} s` : 'default'}; ${loadText()}`,
  );

  const all: CaseResult[] = [];
  for (const hosts of options.sizes) {
    try {
      const { cases } = await runSize(hosts, options, profileDir);
      all.push(...cases);
    } catch (err) {
      console.log(`!! ${hosts} hosts: ${(err as Error).message}`);
      const load = loadAverages();
      console.log(resultLine('fleet', { hosts, config: 'all', status: 'error', load1: load.load1, load5: load.load5 }));
    }
  }
  await stopAll();

  console.log('\n' + fleetTable(all).join('\n'));
  if (options.chart !== 'none' && new Set(all.map((c) => c.hosts)).size >= 2) {
    await mkdir(path.dirname(options.chart), { recursive: true });
    await writeFile(options.chart, fleetChart(all));
    console.log(`chart: ${path.relative(process.cwd(), options.chart)}`);
  }
  if (options.profile) console.log(`profiles: ${profileDir}`);
}

runMain(main);
