/**
 * `npm run bench:agent [-- --deployments 200] [--max-seconds 600] [--runtime production|tsx] [--node-args "…"] [--heap-snapshots DIR]`
 *
 * One real agent process (agent/main.ts, the real hook runner, the bench bundle's trivial
 * scripts) against a control plane of its own (scripts/start.ts): its resident memory when idle,
 * then after each block of back-to-back deployments (each waited for until Succeeded), and its
 * CPU per deployment (its own, and its hook scripts' apart). RSS figures are medians of 5
 * samples over ~2 s after a short rest, so one GC cycle does not decide them; and a preloaded
 * probe (lib/memory-probe.ts, --expose-gc) reports the live heap after a full GC, which tells a
 * leak from memory V8 has simply not given back yet.
 * Ends with `RESULT agent idle_rss_mb=… growth_mb=… …` (growth = 1 s after the last deployment −
 * idle; growth_rested_mb the same after a further 12 s, once V8's memory reducer has run).
 *
 * `--runtime production` (default) runs what `npm run agent` runs, read from package.json
 * (`node <flags> agent/bin.mjs`: the esbuild bundle of agent/build.mjs, built before the agent
 * starts so that the measured process only runs it); `--runtime tsx` runs agent/main.ts through
 * tsx, as the tests and the demo start agents. `--node-args` adds node flags to either (e.g.
 * `--node-args=--lite-mode`), to measure one before putting it in package.json.
 * `--heap-snapshots DIR` writes the agent's heap at idle, after 20 and at the end into DIR, for
 * lib/heap-diff.ts (the RSS figures of such a run are not comparable: a snapshot grows malloc).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ControlPlane, REDIS_URL } from './lib/control-plane.js';
import { describeBreakdown, type ProbeAnswer } from './lib/memory-breakdown.js';
import { describeMachine, loadAverages, loadText, machineLines } from './lib/machine.js';
import { hardDeadline, nextMessage, REPO_ROOT, startNode, runMain, stopAll, stopEverythingOnSignal, until, type Child } from './lib/processes.js';
import { benchBundle } from './lib/bundle.js';
import { childCpuSeconds, cpuSeconds, readCpu, readMemory } from './lib/proc.js';
import { percentile, summarize } from './lib/stats.js';
import { resultLine } from './lib/result-line.js';
import { parseInfo } from './lib/redis-info.js';

const SAMPLE_EVERY = 20;
/**
 * The second "after" figure rests this long first: V8's memory reducer collects the garbage the
 * last deployments left 8 s after allocation stops (--gc-memory-reducer-start-delay-ms), which
 * is what an agent between deployments looks like. The first figure (1 s) keeps the older runs'
 * definition.
 */
const REST_MS = 12_000;

async function steadyRssMb(pid: number): Promise<number> {
  await sleep(1000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push((await readMemory(pid)).rssMb);
    await sleep(400);
  }
  return percentile(samples, 50);
}

const PROBE = path.join(REPO_ROOT, 'scripts', 'bench', 'lib', 'memory-probe.ts');

/** A TypeScript entry and everything it imports from this repo in one ESM file; npm packages stay external. */
async function bundle(source: string, name: string): Promise<string> {
  const esbuild = path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) throw new Error('--runtime bundle needs node_modules/.bin/esbuild (installed with tsx)');
  const out = path.join(REPO_ROOT, '.cutover', 'bench', 'agent-bundle', name);
  await mkdir(path.dirname(out), { recursive: true });
  execFileSync(esbuild, [source, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${out}`, '--log-level=warning'], {
    stdio: 'inherit',
  });
  return out;
}

interface HeapFigures {
  heapUsedMb: number;
  rssMb: number;
  /** Where the RSS is, in one line (lib/memory-breakdown.ts). */
  breakdown: string;
}

/** A heap snapshot of the agent, written by lib/memory-probe.ts into `file`. */
async function heapSnapshot(agent: Child, file: string): Promise<void> {
  agent.proc.send?.({ type: 'snapshot', file });
  await nextMessage<{ type: string }>(agent, 'snapshot', 120_000);
  console.log(`  heap snapshot: ${file}`);
}

/** Live heap and RSS right after a full GC in the agent (see lib/memory-probe.ts); with `gc` false, as they are. */
async function heapAfterGc(agent: Child, gc = true): Promise<HeapFigures> {
  agent.proc.send?.({ type: 'memory', gc });
  const m = await nextMessage<ProbeAnswer & { type: string }>(agent, 'memory', 10_000);
  return { heapUsedMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20, breakdown: describeBreakdown(m) };
}

interface AgentCommand {
  entry: string;
  nodeArgs: string[];
  describe: string;
}

/**
 * The production agent: what package.json's `agent` script runs (`node [flags] agent/bin.mjs`),
 * its bundle built first (`node agent/build.mjs`) so the measured process does not build it.
 */
async function productionAgent(): Promise<AgentCommand> {
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = manifest.scripts.agent.trim().split(/\s+/);
  const entry = words.at(-1) ?? '';
  if (words[0] !== 'node' || !entry.endsWith('.mjs')) throw new Error(`package.json "agent" is "${manifest.scripts.agent}"; the bench expects "node [flags] <entry>.mjs"`);
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'agent', 'build.mjs')], { stdio: 'inherit' });
  return { entry, nodeArgs: words.slice(1, -1), describe: manifest.scripts.agent };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      deployments: { type: 'string', default: '200' },
      'max-seconds': { type: 'string', default: '600' },
      runtime: { type: 'string', default: 'production' },
      'node-args': { type: 'string', default: '' },
      'heap-snapshots': { type: 'string' },
    },
    strict: true,
  });
  const wanted = Number(values.deployments);
  const maxSeconds = Number(values['max-seconds']);
  if (!(wanted >= 1 && wanted <= 5000 && maxSeconds > 0)) throw new Error('--deployments 1..5000, --max-seconds > 0');
  const runtime = values.runtime;
  if (runtime !== 'tsx' && runtime !== 'production') throw new Error('--runtime is production or tsx');
  const snapshots = values['heap-snapshots'] ? path.resolve(values['heap-snapshots']) : undefined;
  if (snapshots) await mkdir(snapshots, { recursive: true });
  const extraArgs = values['node-args'].split(/\s+/).filter(Boolean);
  const command: AgentCommand = runtime === 'production' ? await productionAgent() : { entry: 'agent/main.ts', nodeArgs: [], describe: 'node --import tsx agent/main.ts' };
  const probe = runtime === 'production' ? await bundle(PROBE, 'memory-probe.mjs') : PROBE;
  stopEverythingOnSignal(async () => undefined);
  hardDeadline((maxSeconds + 180) * 1000, async () => undefined);

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  for (const line of machineLines(describeMachine(parseInfo(await redis.info('server')).redis_version ?? 'unknown'))) console.log(line);
  redis.disconnect();
  console.log(`agent bench: ${wanted} deployments (at most ${maxSeconds} s), agent run by \`${command.describe}\`${extraArgs.length > 0 ? ` with ${extraArgs.join(' ')}` : ''}; ${loadText()}`);

  const cp = await ControlPlane.start({ label: 'agent', entry: 'scripts/start.ts' });
  const hostDir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bench-agent-host-'));
  try {
    const { rest } = cp;
    const agent = startNode(
      'agent',
      command.entry,
      ['--api', cp.apiUrl, '--enroll-token', cp.enrollToken, '--name', 'bench-agent', '--tags', `fleet=${cp.prefix}`, '--root', path.join(hostDir, 'agent'), '--install-root', path.join(hostDir, 'fs')],
      {
        logDir: cp.logDir,
        env: { LOG_LEVEL: 'info' },
        loader: runtime === 'production' ? 'none' : 'tsx',
        ipc: true,
        nodeArgs: [...command.nodeArgs, ...extraArgs, '--expose-gc', '--import', probe],
      },
    );
    await until('the agent to register', async () => ((await cp.registered('fleet', cp.prefix)) === 1 ? true : undefined), 60_000, 200);
    await rest.createApplication('bench');
    const digests = [await rest.upload('bench', await benchBundle('agent-1')), await rest.upload('bench', await benchBundle('agent-2'))];
    await rest.createGroup('bench', 'g', 'CodeDeployDefault.AllAtOnce', { fleet: cp.prefix });
    await sleep(2000);
    const idle = await steadyRssMb(agent.pid);
    const idleHeap = await heapAfterGc(agent);
    console.log(
      `agent pid ${agent.pid}: idle RSS ${idle.toFixed(1)} MB (peak so far ${(await readMemory(agent.pid)).peakMb.toFixed(1)} MB); ` +
        `after a full GC: heap ${idleHeap.heapUsedMb.toFixed(1)} MB, RSS ${idleHeap.rssMb.toFixed(1)} MB; logs ${cp.logDir}\n  idle: ${idleHeap.breakdown}`,
    );

    // Snapshots leave the allocator bigger: a run with them is for finding what grows, not for its RSS figures.
    if (snapshots) await heapSnapshot(agent, path.join(snapshots, 'agent-idle.heapsnapshot'));
    const cpu0 = await readCpu(agent.pid);
    const durations: number[] = [];
    const rssAt: { n: number; mb: number }[] = [];
    const deadline = Date.now() + maxSeconds * 1000;
    let failed = 0;
    let warmHeap: HeapFigures | undefined;
    for (let n = 1; n <= wanted && Date.now() < deadline; n++) {
      const t0 = Date.now();
      const id = await rest.deploy('bench', 'g', digests[n % 2]);
      const { view, timedOut } = await rest.finished(id, 60_000, 20);
      durations.push((Date.now() - t0) / 1000);
      if (timedOut || view.status !== 'Succeeded') {
        failed++;
        console.log(`  deployment ${n} (${id}) ended ${timedOut ? 'timed out' : view.status}: ${JSON.stringify(view.errorInformation ?? {})}`);
        if (failed >= 3) break;
      }
      if (n % SAMPLE_EVERY === 0) {
        const m = await readMemory(agent.pid);
        rssAt.push({ n, mb: m.rssMb });
        if (n === SAMPLE_EVERY) {
          warmHeap = await heapAfterGc(agent);
          console.log(`  after ${n}: ${warmHeap.breakdown}`);
          if (snapshots) await heapSnapshot(agent, path.join(snapshots, `agent-after-${n}.heapsnapshot`));
        }
        console.log(`  ${n} deployments: RSS ${m.rssMb.toFixed(1)} MB (peak ${m.peakMb.toFixed(1)}), last ${SAMPLE_EVERY} took ${durations.slice(-SAMPLE_EVERY).reduce((s, d) => s + d, 0).toFixed(1)} s`);
      }
    }
    const cpu1 = await readCpu(agent.pid);
    const done = durations.length;
    const after = await steadyRssMb(agent.pid);
    const peak = (await readMemory(agent.pid)).peakMb;
    await sleep(REST_MS);
    const rested = await steadyRssMb(agent.pid);
    const restedHeap = await heapAfterGc(agent, false);
    const afterHeap = await heapAfterGc(agent);
    if (snapshots) await heapSnapshot(agent, path.join(snapshots, `agent-after-${done}.heapsnapshot`));
    const warm = rssAt.find((r) => r.n === SAMPLE_EVERY)?.mb ?? NaN;
    const cpuMs = (1000 * (cpuSeconds(cpu1) - cpuSeconds(cpu0))) / Math.max(1, done);
    const hookCpuMs = (1000 * (childCpuSeconds(cpu1) - childCpuSeconds(cpu0))) / Math.max(1, done);
    const d = summarize(durations);
    const load = loadAverages();
    console.log(
      `\n${done} deployments (${failed} not Succeeded): each p50 ${d.p50.toFixed(3)} s, p99 ${d.p99.toFixed(3)} s (POST → Succeeded seen)\n` +
        `  agent RSS: idle ${idle.toFixed(1)} MB → ${after.toFixed(1)} MB after (growth ${(after - idle).toFixed(1)} MB; ` +
        `since deployment ${SAMPLE_EVERY}: ${(after - warm).toFixed(1)} MB); peak ${peak.toFixed(1)} MB; ` +
        `${rested.toFixed(1)} MB after a further ${REST_MS / 1000} s at rest (growth ${(rested - idle).toFixed(1)} MB)\n` +
        `  after a full GC: heap ${idleHeap.heapUsedMb.toFixed(1)} MB idle → ${warmHeap?.heapUsedMb.toFixed(1) ?? 'NA'} MB after ${SAMPLE_EVERY} → ` +
        `${afterHeap.heapUsedMb.toFixed(1)} MB after ${done}; RSS ${idleHeap.rssMb.toFixed(1)} → ${afterHeap.rssMb.toFixed(1)} MB\n` +
        `  after ${done}, at rest: ${restedHeap.breakdown}\n` +
        `  after ${done}, after a full GC: ${afterHeap.breakdown}\n` +
        `  agent CPU: ${cpuMs.toFixed(1)} ms per deployment (its own), hook scripts ${hookCpuMs.toFixed(1)} ms per deployment\n` +
        `  RSS every ${SAMPLE_EVERY}: ${rssAt.map((r) => r.mb.toFixed(1)).join(', ')}\n  ${loadText()}`,
    );
    console.log(
      resultLine('agent', {
        idle_rss_mb: idle,
        runtime,
        // The node flags beyond --expose-gc and the probe, joined by + and `=` written `:` for the line's parsers.
        node_flags: [...command.nodeArgs, ...extraArgs].join('+').replaceAll('=', ':') || 'none',
        growth_mb: after - idle,
        rss_after_mb: after,
        growth_after_warmup_mb: after - warm,
        peak_rss_mb: peak,
        heap_idle_mb: idleHeap.heapUsedMb,
        heap_growth_mb: afterHeap.heapUsedMb - idleHeap.heapUsedMb,
        heap_growth_after_warmup_mb: warmHeap ? afterHeap.heapUsedMb - warmHeap.heapUsedMb : undefined,
        gc_rss_growth_mb: afterHeap.rssMb - idleHeap.rssMb,
        deployments: done,
        failed,
        cpu_ms_per_deployment: cpuMs,
        hook_cpu_ms_per_deployment: hookCpuMs,
        p50_s_per_deployment: d.p50,
        rss_rested_mb: rested,
        growth_rested_mb: rested - idle,
        load1: load.load1,
        load5: load.load5,
        load15: load.load15,
      }),
    );
    await agent.stop(10_000);
  } finally {
    await cp.close();
    await rm(hostDir, { recursive: true, force: true });
    await stopAll();
  }
}

runMain(main);
