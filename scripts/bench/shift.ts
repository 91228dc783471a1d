/**
 * `npm run bench:shift [-- --drivers builtin,haproxy] [--deployments 2] [--linear-percent 2]
 *   [--shares 10,25,50] [--requests 10000] [--hosts-per-pool 2]`
 *
 * How closely a blue/green traffic shift keeps its schedule and its weights, per load balancer
 * driver. For each driver: a control plane (scripts/start.ts), the load balancer as a process of
 * its own, and 2 × `--hosts-per-pool` real agents serving the sample app in pools a and b behind
 * one blue/green group (./shift/stage.ts); then
 *
 *   step timing      `--deployments` deployments with TimeBasedLinear `--linear-percent` % every
 *                    `--interval-seconds` s (2 % every 1 s: 50 steps each), run to Succeeded; every
 *                    step's timingErrorMs from the deployment's blue/green history (applied − due:
 *                    the delayed job's lateness, the alarm read and the load balancer calls) →
 *                    p50 / p99 / max. No client load meanwhile: this is the scheduler's precision.
 *   router calls     the driver's own round trips (stats, one setWeight to the weight a host already
 *                    has), timed from here: the part of a step's error the load balancer costs.
 *   weight accuracy  for each of `--shares`, a TimeBasedCanary deployment held at that share
 *                    (canary interval `--hold-seconds`); once the step is applied, a load loop on
 *                    loopback (`--concurrency` keep-alive connections, at most `--requests` requests
 *                    and 80 % of the hold) counts the versions that answer; the share the new one
 *                    had against the configured percent → |error| in percentage points. The loop
 *                    must run entirely inside the step (checked), then the deployment is stopped
 *                    (traffic goes back to the live pool) so the next share can start at once.
 *
 * Ends with one line per driver:
 *   RESULT shift driver=builtin p99_timing_error_ms=… share_error_pp=… p50_timing_error_ms=… …
 * Targets (issue 4): p99 timing error < 50 ms; share within 1 point over 10,000 requests. The exit
 * code is 0 when every driver was measured, met or not; the lines say. Run it through
 * scripts/bench/run.sh shift (npm run bench:shift), which gives it a private Redis.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { REDIS_URL } from './lib/control-plane.js';
import { describeMachine, loadAverages, loadText, machineLines } from './lib/machine.js';
import { hardDeadline, stopAll, stopEverythingOnSignal } from './lib/processes.js';
import { parseInfo } from './lib/redis-info.js';
import { resultLine } from './lib/result-line.js';
import { summarize, type LatencySummary } from './lib/stats.js';
import { historyProblems, parseDrivers, parseShares, shareFigure, splitSteps, timingFigures, worstShareError, type DriverName, type ShareFigure, type ShiftHistoryEntry, type StepJob } from './shift/figures.js';
import { ShiftStage } from './shift/stage.js';
import { startLoadLoop } from '../../test/helpers/load-loop.js';
import { shiftSchedule, type TrafficRoutingConfig } from '../../shared/domain/traffic-routing.js';

const TARGET_P99_MS = 50;
const TARGET_SHARE_PP = 1;

interface Options {
  drivers: DriverName[];
  deployments: number;
  linearPercent: number;
  intervalSeconds: number;
  shares: number[];
  requests: number;
  concurrency: number;
  holdSeconds: number;
  hostsPerPool: number;
  maxSeconds: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      drivers: { type: 'string', default: 'builtin,haproxy' },
      deployments: { type: 'string', default: '2' },
      'linear-percent': { type: 'string', default: '2' },
      'interval-seconds': { type: 'string', default: '1' },
      shares: { type: 'string', default: '10,25,50' },
      requests: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '4' },
      'hold-seconds': { type: 'string', default: '120' },
      'hosts-per-pool': { type: 'string', default: '2' },
      'max-seconds': { type: 'string', default: '1500' },
    },
    strict: true,
  });
  const int = (name: keyof typeof values, min: number, max: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} takes a whole number from ${min} to ${max}`);
    return n;
  };
  return {
    drivers: parseDrivers(String(values.drivers)),
    deployments: int('deployments', 1, 50),
    linearPercent: int('linear-percent', 1, 99),
    intervalSeconds: int('interval-seconds', 1, 60),
    shares: parseShares(String(values.shares)),
    requests: int('requests', 100, 1_000_000),
    concurrency: int('concurrency', 1, 64),
    holdSeconds: int('hold-seconds', 10, 3600),
    hostsPerPool: int('hosts-per-pool', 1, 8),
    maxSeconds: int('max-seconds', 60, 7200),
  };
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'NA');
const summaryText = (s: LatencySummary) => `n ${s.count}, min ${ms(s.min)}, p50 ${ms(s.p50)}, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, max ${ms(s.max)} ms`;

async function timeCalls(count: number, call: () => Promise<unknown>): Promise<LatencySummary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

interface DriverFigures {
  histories: ShiftHistoryEntry[][];
  runs: { history: ShiftHistoryEntry[]; jobs: StepJob[] }[];
  problems: string[];
  statsCall: LatencySummary;
  setWeightCall: LatencySummary;
  shares: (ShareFigure & { failures: number; heldThroughout: boolean; seconds: number })[];
}

async function measure(stage: ShiftStage, o: Options): Promise<DriverFigures> {
  const figures: DriverFigures = { histories: [], runs: [], problems: [], statsCall: summarize([]), setWeightCall: summarize([]), shares: [] };

  // (1) Step timing.
  const linear: TrafficRoutingConfig = { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: o.linearPercent, linearIntervalSeconds: o.intervalSeconds } };
  const schedule = shiftSchedule(linear);
  const spanMs = schedule[schedule.length - 1].offsetMs;
  const linearName = await stage.config(`linear${o.linearPercent}every${o.intervalSeconds}s`, { ...linear });
  console.log(`step timing: ${o.deployments} deployments of TimeBasedLinear ${o.linearPercent} % every ${o.intervalSeconds} s (${schedule.length} steps over ${spanMs / 1000} s each)`);
  for (let n = 1; n <= o.deployments; n++) {
    const t0 = Date.now();
    const { id } = await stage.deploy(linearName);
    const done = await stage.finished(id, 'Succeeded', spanMs + 180_000);
    const history = done.blueGreen?.history ?? [];
    figures.histories.push(history);
    figures.runs.push({ history, jobs: await stage.stepJobs(id, schedule.length) });
    const problems = historyProblems(history, schedule.map((s) => s.percent), o.intervalSeconds * 1000);
    figures.problems.push(...problems.map((p) => `${id}: ${p}`));
    const t = timingFigures([history]);
    const split = splitSteps(figures.runs.slice(-1));
    console.log(`  #${n} ${id}: ${((Date.now() - t0) / 1000).toFixed(1)} s to Succeeded; step errors ${summaryText(t.all)}${problems.length > 0 ? `; PROBLEMS: ${problems.join('; ')}` : ''}`);
    console.log(`     job pickup p50 ${ms(split.pickup.p50)} / max ${ms(split.pickup.max)} ms; step work p50 ${ms(split.work.p50)} / max ${ms(split.work.max)} ms`);
    console.log(`     errors in step order (ms): ${history.filter((h) => h.reason === 'step').map((h) => h.timingErrorMs).join(' ')}`);
  }

  // (2) The load balancer's own round trips: a step reads the pool once, then sets each host that changes.
  const stats = await stage.router.stats();
  const target = stage.targets.find((t) => stats.targets.some((s) => s.id === t.id && s.admin === 'in-service'));
  figures.statsCall = await timeCalls(30, () => stage.router.stats());
  if (target) {
    const weight = stats.targets.find((s) => s.id === target.id)!.weight;
    // The weight it already has: the call costs what a real change costs, and moves nothing.
    figures.setWeightCall = await timeCalls(30, () => stage.router.setWeight(target, weight));
  }
  console.log(`router calls from this process: stats ${summaryText(figures.statsCall)}; setWeight ${summaryText(figures.setWeightCall)}`);

  // (3) Weight accuracy.
  const loopMs = Math.floor(o.holdSeconds * 800);
  console.log(`weight accuracy: canary ${o.shares.join(' / ')} % held ${o.holdSeconds} s; up to ${o.requests} requests (${o.concurrency} connections, at most ${loopMs / 1000} s) each`);
  for (const percent of o.shares) {
    const name = await stage.config(`canary${percent}hold${o.holdSeconds}s`, { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent, canaryIntervalSeconds: o.holdSeconds } });
    const { id, version } = await stage.deploy(name);
    await stage.waitFor(id, `the ${percent} % step`, (v) => (v.blueGreen?.history ?? []).some((h) => h.reason === 'step' && h.percent === percent), 180_000);
    const report = await startLoadLoop(stage.lbUrl, { concurrency: o.concurrency, maxRequests: o.requests, maxMs: loopMs }).finished;
    const after = await stage.view(id);
    const steps = (after.blueGreen?.history ?? []).filter((h) => h.reason === 'step').map((h) => h.percent);
    const heldThroughout = after.status === 'InProgress' && steps.length === 1 && steps[0] === percent;
    const figure = { ...shareFigure(percent, report.byVersion, version), failures: report.failures.length, heldThroughout, seconds: report.seconds };
    figures.shares.push(figure);
    console.log(
      `  canary ${percent} %: ${report.ok} answered in ${report.seconds.toFixed(1)} s (${Math.round(report.ok / report.seconds)} req/s), ${report.failures.length} failed; ` +
        `new version ${figure.answeredByNew} = ${figure.share.toFixed(3)} % → error ${figure.errorPp.toFixed(3)} points; versions ${JSON.stringify(report.byVersion)}` +
        `${heldThroughout ? '' : `; NOT HELD THROUGHOUT (steps ${steps.join(',')}, status ${after.status})`}`,
    );
    if (report.failures.length > 0) console.log(`     first failures: ${JSON.stringify(report.failures.slice(0, 3))}`);
    await stage.stop(id);
    await stage.finished(id, 'Stopped', 120_000);
  }
  return figures;
}

let current: ShiftStage | undefined;

async function main(): Promise<void> {
  const o = options();
  const cleanup = async () => {
    await current?.close(true);
  };
  stopEverythingOnSignal(cleanup);
  hardDeadline(o.maxSeconds * 1000, cleanup);

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const redisVersion = parseInfo(await redis.info('server')).redis_version ?? 'unknown';
  redis.disconnect();
  for (const line of machineLines(describeMachine(redisVersion))) console.log(line);
  const privateRedis = process.env.BENCH_REDIS_PRIVATE === '1';
  console.log(`bench:shift: drivers ${o.drivers.join(', ')}; ${2 * o.hostsPerPool} agents (${o.hostsPerPool} per pool); Redis ${privateRedis ? 'private to this bench' : 'SHARED with other clients'}; ${loadText()}`);

  const results: string[] = [];
  for (const driver of o.drivers) {
    console.log(`\n== ${driver === 'builtin' ? 'built-in router' : 'HAProxy'} ==  ${loadText()}`);
    const t0 = Date.now();
    current = await ShiftStage.start(driver, o.hostsPerPool);
    let figures: DriverFigures;
    try {
      console.log(`system up in ${((Date.now() - t0) / 1000).toFixed(1)} s (logs in ${current.cp.logDir})`);
      figures = await measure(current, o);
    } catch (err) {
      console.error(`bench: the ${driver} run failed; logs kept in ${current.cp.logDir}`);
      await current.close(true);
      current = undefined;
      throw err;
    }
    await current.close();
    current = undefined;

    const timing = timingFigures(figures.histories);
    const shareError = worstShareError(figures.shares);
    const requests = figures.shares.reduce((n, s) => n + s.requests, 0);
    const failures = figures.shares.reduce((n, s) => n + s.failures, 0);
    const fewest = Math.min(...figures.shares.map((s) => s.requests));
    const valid = figures.problems.length === 0 && failures === 0 && figures.shares.every((s) => s.heldThroughout) && fewest >= o.requests;
    const met = timing.all.p99 < TARGET_P99_MS && shareError <= TARGET_SHARE_PP;
    const load = loadAverages();
    console.log(`${driver}: step timing errors, all ${summaryText(timing.all)}`);
    const split = splitSteps(figures.runs);
    console.log(`${driver}: of which job pickup (handed to the worker − due) ${summaryText(split.pickup)}`);
    console.log(`${driver}:      and step work (applied − handed over) ${summaryText(split.work)}${split.missing > 0 ? `; ${split.missing} steps' jobs not found` : ''}`);
    console.log(`${driver}: the delayed steps only (each deployment's first is due at once): ${summaryText(timing.delayed)}; applied early: ${timing.early}`);
    console.log(
      `${driver}: ${met ? 'targets met' : 'TARGETS MISSED'}: p99 ${ms(timing.all.p99)} ms (target < ${TARGET_P99_MS}), worst share error ${shareError.toFixed(3)} points (target ≤ ${TARGET_SHARE_PP}, ` +
        `fewest requests in one share ${fewest})${valid ? '' : '; RUN NOT CLEAN: see the lines above'}; ${((Date.now() - t0) / 1000).toFixed(0)} s; ${loadText()}`,
    );
    results.push(
      resultLine('shift', {
        driver,
        p99_timing_error_ms: timing.all.p99,
        share_error_pp: shareError,
        p50_timing_error_ms: timing.all.p50,
        max_timing_error_ms: timing.all.max,
        steps: timing.all.count,
        early_steps: timing.early,
        p99_pickup_ms: split.pickup.p99,
        p99_work_ms: split.work.p99,
        shares: o.shares.join('/'),
        requests,
        failures,
        clean: valid,
        router_stats_ms: figures.statsCall.p50,
        router_set_weight_ms: figures.setWeightCall.p50,
        load1: load.load1,
        load5: load.load5,
        load15: load.load15,
      }),
    );
  }
  console.log('');
  for (const line of results) console.log(line);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await current?.close(true).catch(() => undefined);
    await stopAll();
    process.exit(1);
  },
);
