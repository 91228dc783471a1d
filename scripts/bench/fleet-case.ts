/**
 * One measured case of the fleet bench: one deployment to N simulated hosts, timed from the
 * moment `POST /v1/deployments` is sent to the deployment's completeTime, with the control
 * plane's and the simulator's CPU seconds and peak RSS (from /proc), Redis' CPU seconds and
 * command counts (INFO cpu / commandstats deltas) over the same window.
 */
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { ControlPlane } from './lib/control-plane.js';
import { REDIS_URL } from './lib/control-plane.js';
import { nextMessage, REPO_ROOT, type Child } from './lib/processes.js';
import { cpuSeconds, readCpu, readMemory, resetPeakRss, RssSampler } from './lib/proc.js';
import { diffCommandStats, parseCommandStats, parseInfo, redisCpuSeconds, totalCalls, type CommandDelta } from './lib/redis-info.js';
import { listenOverflows, loadAverages, loadText } from './lib/machine.js';
import { resultLine } from './lib/result-line.js';
import { profileLines, summarizeProfile, type CpuProfile } from './lib/cpu-profile.js';
import type { BaselineResult } from './fleet-baseline.js';
import { cpuBudget } from './lib/cpu-budget.js';
import { allocationSites, type HeapProfileNode } from './lib/heap-profile.js';
import { eventBreakdown, failureDigest, targetTimeline, timelineLines, type TargetLike } from './lib/timeline.js';

export interface CaseInput {
  cp: ControlPlane;
  /** The simulator processes (one per slice of the fleet). */
  sims: Child[];
  app: string;
  group: string;
  digest: string;
  config: string;
  hosts: number;
  hooks: string;
  eventsPerInstance: number;
  baseline: BaselineResult;
  timeoutMs: number;
  /** Profile the control plane and the simulator over the case, into this directory. */
  profileDir?: string;
  /** The control plane carries lib/fleet-memory-probe.ts: report where its memory went. */
  memory?: boolean;
  /** And sample where the case's allocations came from (V8's sampling heap profiler; costs memory itself). */
  allocations?: boolean;
  /** And write a heap snapshot of the control plane after the case, into this directory. */
  heapSnapshotDir?: string;
  /** Appended to the RESULT line (the control plane's node flags, its process count). */
  extraFields?: Record<string, string | number>;
}

export interface CaseResult {
  hosts: number;
  config: string;
  hooks: string;
  status: string;
  /** Hosts that ended Succeeded (an AllAtOnce deployment succeeds with one). */
  hostsSucceeded: number;
  seconds: number;
  startSeconds: number;
  baselineSeconds: number;
  ratio: number;
  /** Control plane + Redis CPU against raw BullMQ's for as many events (lib/cpu-budget.ts). */
  cpuRatio: number;
  /** The case's CPU seconds (control plane, agents, Redis) over the machine's cores: no faster than this here. */
  cpuFloorSeconds: number;
  eventsPerSecond: number;
  cpCpuSeconds: number;
  cpPeakMb: number;
  /** The api's and the workers' own peaks, when they run apart (cpPeakMb is then their sum). */
  cpPeaksMb?: { api: number; workers: number };
  simCpuSeconds: number;
  simPeakMb: number;
  redisCpuSeconds: number;
  redisCommandsPerInstance: number;
  redisScriptsPerInstance: number;
  /** Bytes clients sent to Redis, and Redis sent back, per instance. */
  redisInKbPerInstance: number;
  redisOutKbPerInstance: number;
  /** Agent → api requests per instance, by kind. */
  requestsPerInstance: Record<string, number>;
  /** Connections the kernel dropped from a full listen queue during the case (machine-wide). */
  listenOverflows: number;
  idleCpuPct: number;
  topCommands: CommandDelta[];
  load1: number;
  load5: number;
  load15: number;
}

const IDLE_WINDOW_MS = 3000;

export async function measureCase(input: CaseInput): Promise<CaseResult> {
  const { cp, sims, hosts } = input;
  const sum = async (f: (c: Child) => Promise<number>) => (await Promise.all(sims.map(f))).reduce((a, b) => a + b, 0);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    // What the control plane costs with N agents long-polling and nothing to do.
    // The control plane is one process, or the api and the workers apart (--separate-workers).
    const cpProcs = cp.processes;
    const cpCpu = async () => (await Promise.all(cpProcs.map(async (c) => cpuSeconds(await readCpu(c.pid))))).reduce((a, b) => a + b, 0);
    const idle0 = await cpCpu();
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
    const idleCpuPct = (100 * ((await cpCpu()) - idle0)) / (IDLE_WINDOW_MS / 1000);

    const peakReset = (await Promise.all([...cpProcs, ...sims].map((c) => resetPeakRss(c.pid)))).every(Boolean);
    const cpSamplers = cpProcs.map((c) => new RssSampler(c.pid, 100));
    const simSamplers = sims.map((s) => new RssSampler(s.pid, 100));
    if (input.profileDir) await startProfiles([...cp.processes, ...sims]);
    if (input.memory) {
      for (const c of cpProcs) {
        c.proc.send?.({ type: 'memory-reset', allocations: input.allocations ?? false });
        await nextMessage(c, 'memory-reset-done', 10_000);
      }
    }
    const snapshot = async () => {
      const stats = parseInfo(await redis.info('stats'));
      return {
        cp: await cpCpu(),
        sim: await sum(async (s) => cpuSeconds(await readCpu(s.pid))),
        stats: parseCommandStats(await redis.info('commandstats')),
        redisCpu: redisCpuSeconds(parseInfo(await redis.info('cpu'))),
        netIn: Number(stats.total_net_input_bytes),
        netOut: Number(stats.total_net_output_bytes),
        requests: await simRequests(sims),
        listenOverflows: listenOverflows(),
      };
    };
    const before = await snapshot();

    const t0 = Date.now();
    const id = await input.cp.rest.deploy(input.app, input.group, input.digest);
    const { view, timedOut } = await input.cp.rest.finished(id, input.timeoutMs, 100);

    const after = await snapshot();
    const load = loadAverages();
    // Apart, the processes' peaks added up (an upper bound: they need not peak at the same moment).
    const cpPeaks = await Promise.all(cpProcs.map(async (c, i) => Math.max(await cpSamplers[i].stop(), peakReset ? (await readMemory(c.pid)).peakMb : 0)));
    const cpPeak = cpPeaks.reduce((a, b) => a + b, 0);
    // The simulators' peaks added up (they need not peak at the same moment: an upper bound).
    const simPeak = (await Promise.all(sims.map(async (s, i) => Math.max(await simSamplers[i].stop(), peakReset ? (await readMemory(s.pid)).peakMb : 0)))).reduce((a, b) => a + b, 0);
    if (input.profileDir) await stopProfiles(input, id);
    for (const c of input.memory ? cpProcs : []) {
      console.log(`  ${c.name}:`);
      await reportMemory(c, path.join(input.heapSnapshotDir ?? cp.logDir, `allocations-${c.name}-${hosts}-${input.config}.heapprofile`));
      if (!input.heapSnapshotDir) continue;
      c.proc.send?.({ type: 'heap-snapshot', file: path.join(input.heapSnapshotDir, `${c.name}-${hosts}-${input.config}.heapsnapshot`) });
      const done = await nextMessage<{ type: string; file: string }>(c, 'heap-snapshot-done', 300_000).catch((err: Error) => ({ type: 'error', file: err.message }));
      console.log(`  heap snapshot of ${c.name}: ${done.file}`);
    }

    const deltas = diffCommandStats(before.stats, after.stats, ['info']);
    const scripts = deltas.filter((d) => d.command === 'evalsha' || d.command === 'eval').reduce((s, d) => s + d.calls, 0);
    const seconds = view.completeTime && !timedOut ? (Date.parse(view.completeTime) - t0) / 1000 : NaN;
    const events = hosts * input.eventsPerInstance;
    // AllAtOnce "succeeds" with a single healthy host (CodeDeploy's rule): a bench case only
    // counts as Succeeded when every host did.
    const succeededHosts = view.deploymentOverview.Succeeded ?? 0;
    const status = timedOut ? 'timeout' : view.status === 'Succeeded' && succeededHosts < hosts ? 'SucceededWithFailures' : view.status;
    const result: CaseResult = {
      hosts,
      config: input.config,
      hooks: input.hooks,
      status,
      hostsSucceeded: succeededHosts,
      seconds,
      startSeconds: view.startTime ? (Date.parse(view.startTime) - t0) / 1000 : NaN,
      baselineSeconds: input.baseline.seconds,
      ratio: seconds / input.baseline.seconds,
      ...budgetOf(after.cp - before.cp, after.sim - before.sim, after.redisCpu - before.redisCpu, input.baseline),
      eventsPerSecond: events / seconds,
      cpCpuSeconds: after.cp - before.cp,
      cpPeakMb: cpPeak,
      cpPeaksMb: cp.workers ? { api: cpPeaks[0], workers: cpPeaks[1] } : undefined,
      simCpuSeconds: after.sim - before.sim,
      simPeakMb: simPeak,
      redisCpuSeconds: after.redisCpu - before.redisCpu,
      redisCommandsPerInstance: totalCalls(deltas) / hosts,
      redisScriptsPerInstance: scripts / hosts,
      redisInKbPerInstance: (after.netIn - before.netIn) / 1024 / hosts,
      redisOutKbPerInstance: (after.netOut - before.netOut) / 1024 / hosts,
      requestsPerInstance: Object.fromEntries(Object.entries(after.requests).map(([k, v]) => [k, (v - (before.requests[k] ?? 0)) / hosts])),
      listenOverflows: after.listenOverflows - before.listenOverflows,
      idleCpuPct,
      topCommands: deltas.slice(0, 12),
      ...load,
    };
    printCase(result, view.deploymentOverview, events, id);
    const { targets } = await cp.rest.call<{ targets: (TargetLike & Parameters<typeof failureDigest>[0][number])[] }>('GET', `/v1/deployments/${id}/targets`);
    for (const line of timelineLines(targetTimeline(targets, t0))) console.log(line);
    console.log(eventBreakdown(targets, t0));
    if (status !== 'Succeeded') {
      const error = JSON.stringify(view.errorInformation ?? {});
      console.log(`  not Succeeded: ${error.length > 400 ? `${error.slice(0, 400)}… (${error.length} characters)` : error}`);
      for (const f of failureDigest(targets)) console.log(`    ${f.count} × ${f.event} ${f.errorCode}: ${f.message}`);
      for (const c of cpProcs) for (const line of await warningDigest(c.logFile)) console.log(`    ${c.name} log: ${line}`);
      for (const sim of sims) for (const line of await warningDigest(sim.logFile)) console.log(`    ${sim.name} log: ${line}`);
    }
    console.log(resultLineOf(result, input.extraFields));
    return result;
  } finally {
    redis.disconnect();
  }
}

function budgetOf(cpSeconds: number, simSeconds: number, redisSeconds: number, baseline: BaselineResult): { cpuRatio: number; cpuFloorSeconds: number } {
  const { floorSeconds, overheadRatio } = cpuBudget(
    { controlPlaneSeconds: cpSeconds, agentsSeconds: simSeconds, redisSeconds },
    { processSeconds: baseline.cpuSeconds, redisSeconds: baseline.redisCpuSeconds },
    availableParallelism(),
  );
  return { cpuRatio: overheadRatio, cpuFloorSeconds: floorSeconds };
}

function printCase(r: CaseResult, overview: Record<string, number>, events: number, id: string): void {
  const wall = r.seconds;
  console.log(
    `\n${r.hosts} hosts, ${r.config} (${r.hooks} hooks): ${r.status} in ${wall.toFixed(2)} s ` +
      `(${id}; scheduler started it ${r.startSeconds.toFixed(2)} s after the POST); overview ${JSON.stringify(overview)}`,
  );
  console.log(
    `  ${events} lifecycle events → ${r.eventsPerSecond.toFixed(0)} events/s; baseline ${r.baselineSeconds.toFixed(3)} s → ratio ${r.ratio.toFixed(2)}; ` +
      `CPU: control plane + Redis ${r.cpuRatio.toFixed(2)}× the baseline's; every process's CPU over ${availableParallelism()} cores: ≥ ${r.cpuFloorSeconds.toFixed(2)} s`,
  );
  console.log(
    `  control plane: ${r.cpCpuSeconds.toFixed(2)} CPU s (${(r.cpCpuSeconds / wall).toFixed(2)} cores), peak RSS ${r.cpPeakMb.toFixed(0)} MB` +
      (r.cpPeaksMb ? ` (api ${r.cpPeaksMb.api.toFixed(0)} + workers ${r.cpPeaksMb.workers.toFixed(0)}, two processes)` : '') +
      '; ' +
      `idle before: ${r.idleCpuPct.toFixed(1)} % of a core`,
  );
  console.log(
    `  simulator: ${r.simCpuSeconds.toFixed(2)} CPU s (${(r.simCpuSeconds / wall).toFixed(2)} cores), peak RSS ${r.simPeakMb.toFixed(0)} MB; ` +
      `redis: ${r.redisCpuSeconds.toFixed(2)} CPU s`,
  );
  console.log(
    `  redis: ${r.redisCommandsPerInstance.toFixed(1)} commands per instance (${r.redisScriptsPerInstance.toFixed(1)} scripts); ` +
      r.topCommands.map((d) => `${d.command} ${(d.calls / r.hosts).toFixed(1)} (${(d.usec / 1e6).toFixed(2)} s)`).join(', '),
  );
  console.log(
    `  redis traffic per instance: ${r.redisInKbPerInstance.toFixed(1)} KB in, ${r.redisOutKbPerInstance.toFixed(1)} KB out; ` +
      `agent requests per instance: ${Object.entries(r.requestsPerInstance).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; ` +
      `connections dropped from a full listen queue: ${r.listenOverflows}`,
  );
  console.log(`  ${loadText()}`);
}

/** Warnings and errors in the control plane's log, counted by message (and reason, when there is one). */
async function warningDigest(logFile: string): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const line of (await readFile(logFile, 'utf8').catch(() => '')).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; reason?: string; err?: unknown };
      if ((entry.level ?? 0) < 40) continue;
      const why = entry.reason ?? (typeof entry.err === 'string' ? entry.err : '');
      const reason = why.replace(/\b[\w.-]*\d[\w.-]*\b/g, '#').slice(0, 160);
      const key = `${entry.msg}${reason ? ` (${reason})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${n} × ${k}`);
}

/** The probe's peaks over the case and what is live after a full GC (lib/fleet-memory-probe.ts). */
async function reportMemory(cp: Child, profileFile: string): Promise<void> {
  cp.proc.send?.({ type: 'memory-report', file: profileFile });
  const m = await nextMessage<{ type: string } & Record<string, Record<string, number>>>(cp, 'memory-report', 60_000).catch((err: Error) => {
    console.log(`  (no memory report: ${err.message})`);
    return undefined;
  });
  if (!m) return;
  const line = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`  control plane memory (MB), peak of each over the case: ${line(m.peak)}`);
  console.log(`    at the RSS peak: ${line(m.atRssPeak)}; V8 spaces then: ${line(m.spacesAtPeak)}`);
  console.log(`    open resources at the RSS peak: ${line(m.resourcesAtPeak)}`);
  console.log(`    after the case: ${line(m.beforeGc)}; after a full GC: ${line(m.afterGc)}; V8 spaces: ${line(m.spacesAfterGc)}`);
  const file = (m as { profileFile?: string }).profileFile;
  if (!file) return;
  const { total, sites, ownCode } = allocationSites((JSON.parse(await readFile(file, 'utf8')) as { head: HeapProfileNode }).head, REPO_ROOT);
  const MB = 2 ** 20;
  console.log(`    allocated over the case (sampled, garbage included): ${(total / MB).toFixed(0)} MB (${file}); by own-code caller:`);
  for (const s of ownCode) console.log(`      ${(s.bytes / MB).toFixed(1).padStart(7)} MB  ${s.site}`);
  console.log('    by allocation site:');
  for (const s of sites) console.log(`      ${(s.bytes / MB).toFixed(1).padStart(7)} MB  ${s.site}  ← ${s.ownCaller ?? '-'}`);
}

async function simRequests(sims: readonly Child[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const sim of sims) {
    sim.proc.send?.({ type: 'requests' });
    const answer = await nextMessage<{ type: string; requests: Record<string, number> }>(sim, 'requests', 10_000).catch(() => undefined);
    for (const [k, v] of Object.entries(answer?.requests ?? {})) total[k] = (total[k] ?? 0) + v;
  }
  return total;
}

function resultLineOf(r: CaseResult, extra: Record<string, string | number> = {}): string {
  return (
    resultLine('fleet', {
      hosts: r.hosts,
      config: r.config,
      seconds: r.seconds,
      baseline_seconds: r.baselineSeconds,
      ratio: r.ratio,
      cpu_ratio: r.cpuRatio,
      cpu_floor_s: r.cpuFloorSeconds,
      events_per_s: r.eventsPerSecond,
      rss_mb: r.cpPeakMb,
      ...(r.cpPeaksMb ? { api_rss_mb: r.cpPeaksMb.api, workers_rss_mb: r.cpPeaksMb.workers } : {}),
      cpu_s: r.cpCpuSeconds,
      status: r.status,
      hosts_succeeded: r.hostsSucceeded,
      hooks: r.hooks,
      start_s: r.startSeconds,
      sim_cpu_s: r.simCpuSeconds,
      sim_rss_mb: r.simPeakMb,
      redis_cpu_s: r.redisCpuSeconds,
      redis_cmds_per_instance: r.redisCommandsPerInstance,
      redis_scripts_per_instance: r.redisScriptsPerInstance,
      idle_cpu_pct: r.idleCpuPct,
      listen_overflows: r.listenOverflows,
      load1: r.load1,
      load5: r.load5,
      load15: r.load15,
      ...extra,
    })
  );
}

async function startProfiles(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      c.proc.send?.({ type: 'profile-start' });
      await nextMessage(c, 'profile-started', 10_000).catch((err: Error) => console.log(`  (no profile of ${c.name}: ${err.message})`));
    }),
  );
}

async function stopProfiles(input: CaseInput, id: string): Promise<void> {
  for (const child of [...input.cp.processes, ...input.sims]) {
    const file = path.join(input.profileDir!, `${child.name}-${input.hosts}-${input.config}-${id}.cpuprofile`);
    child.proc.send?.({ type: 'profile-stop', file });
    try {
      await nextMessage(child, 'profile-stopped', 60_000);
      const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
      for (const line of profileLines(`  profile of ${child.name} (${path.relative(REPO_ROOT, file)})`, summarizeProfile(profile, REPO_ROOT, 15))) console.log(line);
    } catch (err) {
      console.log(`  (no profile of ${child.name}: ${(err as Error).message})`);
    }
  }
}
