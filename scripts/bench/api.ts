/**
 * `npm run bench:api [-- --concurrency 32] [--seconds 8] [--max-requests 20000]`
 *
 * Throughput and latency of the REST API over loopback: `POST /v1/deployments` (accepted, not
 * yet run: the api runs alone, api/main.ts as its own process, so no worker picks them up) and
 * `GET /v1/deployments/:id`. A bounded closed loop (lib/http-load.ts) in this process; each case
 * runs until `--max-requests` or `--seconds`, whichever comes first, after a short warm-up.
 * Ends each case with `RESULT api create_rps=… p99_ms=…` / `RESULT api get_rps=… p99_ms=…`.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ControlPlane, REDIS_URL } from './lib/control-plane.js';
import { describeMachine, loadAverages, loadText, machineLines } from './lib/machine.js';
import { hardDeadline, runMain, stopAll, stopEverythingOnSignal } from './lib/processes.js';
import { benchBundle } from './lib/bundle.js';
import { runLoad, type LoadOptions, type LoadResult } from './lib/http-load.js';
import { summarize } from './lib/stats.js';
import { resultLine } from './lib/result-line.js';
import { cpuSeconds, readCpu, resetPeakRss, RssSampler } from './lib/proc.js';
import { diffCommandStats, parseCommandStats, parseInfo, totalCalls } from './lib/redis-info.js';

const WARMUP_REQUESTS = 300;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '8' },
      'max-requests': { type: 'string', default: '20000' },
    },
    strict: true,
  });
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const maxRequests = Number(values['max-requests']);
  if (!(concurrency >= 1 && concurrency <= 1000 && seconds > 0 && seconds <= 120 && maxRequests >= 1)) {
    throw new Error('--concurrency 1..1000, --seconds up to 120, --max-requests ≥ 1');
  }
  stopEverythingOnSignal(async () => undefined);
  hardDeadline(10 * 60_000, async () => undefined);

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  for (const line of machineLines(describeMachine(parseInfo(await redis.info('server')).redis_version ?? 'unknown'))) console.log(line);
  console.log(`api bench: ${concurrency} connections, each case ≤ ${seconds} s or ≤ ${maxRequests} requests; ${loadText()}`);

  const cp = await ControlPlane.start({ label: 'api', entry: 'api/main.ts' });
  try {
    const { rest } = cp;
    await rest.createApplication('bench');
    const digest = await rest.upload('bench', await benchBundle('api'));
    await rest.createGroup('bench', 'g', 'CodeDeployDefault.AllAtOnce', { fleet: cp.prefix });
    const createBody = JSON.stringify({ applicationName: 'bench', deploymentGroupName: 'g', revision: { revisionType: 'Bundle', digest } });
    const ids: string[] = [];
    const base = {
      baseUrl: cp.apiUrl,
      headers: { authorization: `Bearer ${rest.token}` },
      concurrency,
    };
    const create: LoadOptions = {
      ...base,
      request: () => ({ method: 'POST', path: '/v1/deployments', body: createBody }),
      okStatuses: [201],
      onBody: (body) => ids.push((JSON.parse(body) as { deploymentId: string }).deploymentId),
      maxRequests,
      maxSeconds: seconds,
    };
    await runLoad({ ...create, maxRequests: WARMUP_REQUESTS, concurrency: Math.min(8, concurrency) });
    console.log(`warm-up: ${WARMUP_REQUESTS} creates; api pid ${cp.child.pid}, logs ${cp.logDir}`);

    await measure('create', cp, redis, create);
    const get: LoadOptions = {
      ...base,
      request: (i) => ({ method: 'GET', path: `/v1/deployments/${ids[i % ids.length]}` }),
      okStatuses: [200],
      maxRequests,
      maxSeconds: seconds,
    };
    await measure('get', cp, redis, get);
  } finally {
    redis.disconnect();
    await cp.close();
    await stopAll();
  }
}

async function measure(name: 'create' | 'get', cp: ControlPlane, redis: Redis, options: LoadOptions): Promise<LoadResult> {
  const pid = cp.child.pid;
  await resetPeakRss(pid);
  const sampler = new RssSampler(pid, 100);
  const stats0 = parseCommandStats(await redis.info('commandstats'));
  const cpu0 = cpuSeconds(await readCpu(pid));
  const client0 = process.cpuUsage();
  const result = await runLoad(options);
  const client = process.cpuUsage(client0);
  const cpu = cpuSeconds(await readCpu(pid)) - cpu0;
  const commands = totalCalls(diffCommandStats(stats0, parseCommandStats(await redis.info('commandstats')), ['info']));
  const peak = await sampler.stop();
  const lat = summarize(result.latenciesMs);
  const load = loadAverages();
  console.log(
    `\n${name}: ${result.ok} OK of ${result.requests} in ${result.seconds.toFixed(2)} s → ${result.rps.toFixed(0)} req/s; ` +
      `latency ms p50 ${lat.p50.toFixed(2)} p90 ${lat.p90.toFixed(2)} p99 ${lat.p99.toFixed(2)} max ${lat.max.toFixed(2)}; errors ${result.errors}` +
      (result.firstError ? ` (first: ${result.firstError})` : ''),
  );
  console.log(
    `  api process: ${cpu.toFixed(2)} CPU s (${(cpu / result.seconds).toFixed(2)} cores, ${((1000 * cpu) / Math.max(1, result.ok)).toFixed(3)} ms per request), peak RSS ${peak.toFixed(0)} MB; ` +
      `load client: ${((client.user + client.system) / 1e6).toFixed(2)} CPU s; redis ${(commands / Math.max(1, result.requests)).toFixed(1)} commands per request`,
  );
  console.log(`  ${loadText()}`);
  console.log(
    resultLine('api', {
      [`${name}_rps`]: result.rps,
      p50_ms: lat.p50,
      p99_ms: lat.p99,
      max_ms: lat.max,
      requests: result.requests,
      errors: result.errors,
      concurrency: options.concurrency,
      api_cpu_ms_per_req: (1000 * cpu) / Math.max(1, result.ok),
      rss_mb: peak,
      redis_cmds_per_req: commands / Math.max(1, result.requests),
      load1: load.load1,
      load5: load.load5,
      load15: load.load15,
    }),
  );
  return result;
}

runMain(main);
