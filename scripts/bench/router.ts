/**
 * `npm run bench:router`: requests/s and latency through the built-in router and through HAProxy
 * to the same upstreams on this machine, in one run.
 *
 *   upstreams   one process, two small HTTP servers (scripts/bench/router/upstream.ts)
 *   built-in    `router/main.ts` as its own process, both upstreams registered through the
 *               admin API by the real `builtin` TrafficRouter driver
 *   HAProxy     a private haproxy (shared/traffic/haproxy/local-haproxy.ts), both upstreams static
 *   load        this process: closed loop over keep-alive connections (scripts/bench/router/load.ts)
 *
 * HAProxy runs BENCH_HAPROXY_THREADS threads (default 1: the built-in router is one Node event loop,
 * so this compares the two per thread; 0 = HAProxy's own default, one per core).
 * Throughput: BENCH_CONCURRENCY connections (default 16), BENCH_ROUNDS rounds (default 3) of
 * BENCH_SECONDS (default 4) per target, alternating built-in/HAProxy so drift hits both; the
 * median round counts. Latency: BENCH_LATENCY_REQUESTS (default 4000) sequential requests each
 * direct to an upstream, through HAProxy and through the built-in router, interleaved (one to
 * each in turn, one connection each) so other load on the machine hits all three alike;
 * "added" = p99 through the router minus p99 direct.
 * Ends with: RESULT router builtin_rps=… haproxy_rps=… ratio=… p99_added_ms=…
 * Targets (issue 3): ratio ≥ 0.5 and p99_added_ms < 2. The exit code is 0 either way; the line says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BuiltinRouter } from '../../shared/traffic/builtin/builtin-router.js';
import { startLocalHaproxy, type LocalHaproxy } from '../../shared/traffic/haproxy/local-haproxy.js';
import { runInterleaved, runLoad, type LoadResult } from './router/load.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const ROUNDS = env('BENCH_ROUNDS', 3);
const SECONDS = env('BENCH_SECONDS', 4);
const LATENCY_REQUESTS = env('BENCH_LATENCY_REQUESTS', 4000);
const HAPROXY_THREADS = Number(process.env.BENCH_HAPROXY_THREADS ?? 1);

const children: ChildProcess[] = [];
let haproxy: LocalHaproxy | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function startNode(script: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, script), ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number, digits = 2) => n.toFixed(digits);

function row(name: string, r: LoadResult): string {
  return `  ${name.padEnd(10)} ${fmt(r.rps, 0).padStart(8)} req/s   p50 ${fmt(r.p50Ms, 3).padStart(7)} ms   p99 ${fmt(r.p99Ms, 3).padStart(7)} ms   failures ${r.failures}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bench-router-'));
  try {
    const [up1, up2, routerPort, adminPort, haproxyPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const token = randomBytes(24).toString('hex');
    console.log(
      `bench:router on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${CONCURRENCY} connections, ${ROUNDS} × ${SECONDS} s per target; ` +
        `HAProxy ${HAPROXY_THREADS > 0 ? `nbthread ${HAPROXY_THREADS}` : 'default threads'}`,
    );
    // Everything here shares the machine's cores: other load skews the single-threaded router most.
    console.log(`load average at start: ${loadAverage()}`);

    const upstream = startNode('scripts/bench/router/upstream.ts', [String(up1), String(up2)]);
    await new Promise<void>((resolve, reject) => {
      upstream.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      upstream.once('exit', (code) => reject(new Error(`the upstream process exited (${code})`)));
    });

    startNode('router/main.ts', ['--pool', `bench=127.0.0.1:${routerPort}`, '--admin', `127.0.0.1:${adminPort}`], { CUTOVER_ROUTER_TOKEN: token });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitFor('the built-in router', async () => (await fetch(`${adminUrl}/healthz`)).ok);
    const driver = new BuiltinRouter({ adminUrl, adminToken: token, pool: 'bench', timeoutMs: 3000 });
    const healthCheck = { path: '/healthz', intervalSeconds: 1, timeoutSeconds: 1, healthyThresholdCount: 1, unhealthyThresholdCount: 2 };
    for (const [id, port] of [['u1', up1], ['u2', up2]] as const) await driver.register({ id, host: '127.0.0.1', port }, { weight: 100, healthCheck });
    await waitFor('both targets healthy', async () => {
      const views = await Promise.all([up1, up2].map((port, i) => driver.describe({ id: `u${i + 1}`, host: '127.0.0.1', port })));
      return views.every((v) => v.health === 'healthy');
    });

    haproxy = await startLocalHaproxy({
      dir,
      ...(HAPROXY_THREADS > 0 ? { nbthread: HAPROXY_THREADS } : {}),
      backends: [{ name: 'bench', bind: `127.0.0.1:${haproxyPort}`, servers: [{ name: 'u1', address: `127.0.0.1:${up1}` }, { name: 'u2', address: `127.0.0.1:${up2}` }] }],
    });

    const urls = { builtin: `http://127.0.0.1:${routerPort}/`, haproxy: `http://127.0.0.1:${haproxyPort}/`, direct: `http://127.0.0.1:${up1}/` };
    console.log('warming up');
    for (const url of Object.values(urls)) await runLoad({ url, concurrency: CONCURRENCY, durationMs: 1500 });

    console.log(`throughput (${CONCURRENCY} keep-alive connections)`);
    const rounds: Record<'builtin' | 'haproxy', LoadResult[]> = { builtin: [], haproxy: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? (['builtin', 'haproxy'] as const) : (['haproxy', 'builtin'] as const)) {
        const result = await runLoad({ url: urls[name], concurrency: CONCURRENCY, durationMs: SECONDS * 1000 });
        rounds[name].push(result);
        console.log(row(`${name} #${round + 1}`, result));
      }
    }
    const builtinRps = median(rounds.builtin.map((r) => r.rps));
    const haproxyRps = median(rounds.haproxy.map((r) => r.rps));

    console.log(`latency (one connection each, ${LATENCY_REQUESTS} sequential requests, interleaved direct/HAProxy/built-in)`);
    const [direct, haproxyLatency, builtinLatency] = await runInterleaved([urls.direct, urls.haproxy, urls.builtin], LATENCY_REQUESTS);
    const latency = { direct, haproxy: haproxyLatency, builtin: builtinLatency };
    for (const [name, result] of Object.entries(latency)) console.log(row(name, result));
    const failures = [...rounds.builtin, ...rounds.haproxy, ...Object.values(latency)].reduce((n, r) => n + r.failures, 0);
    const stats = await driver.stats();
    const ratio = builtinRps / haproxyRps;
    const added = latency.builtin.p99Ms - latency.direct.p99Ms;
    console.log(
      `built-in router counters: ${stats.requests} requests, ${stats.errors} upstream errors, ${stats.retries} retries; ` +
        `HAProxy p99 added ${fmt(latency.haproxy.p99Ms - latency.direct.p99Ms, 3)} ms`,
    );
    console.log(`load average at end: ${loadAverage()}`);
    const verdict = ratio >= 0.5 && added < 2 && failures === 0 ? 'targets met' : 'TARGETS MISSED';
    console.log(`${verdict}: ratio ${fmt(ratio)} (target ≥ 0.50), p99 added ${fmt(added, 3)} ms (target < 2), ${failures} failed requests`);
    console.log(`RESULT router builtin_rps=${fmt(builtinRps, 0)} haproxy_rps=${fmt(haproxyRps, 0)} ratio=${fmt(ratio)} p99_added_ms=${fmt(added, 3)}`);
  } finally {
    await haproxy?.stop();
    for (const child of children) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  for (const child of children) child.kill('SIGKILL');
  void haproxy?.stop();
  process.exitCode = 1;
});
