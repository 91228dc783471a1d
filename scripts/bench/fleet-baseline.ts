/** Runs the raw-BullMQ baseline (baseline.ts) as a process of its own and measures it. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startNode } from './lib/processes.js';
import { diffCommandStats, parseCommandStats, parseInfo, redisCpuSeconds, totalCalls } from './lib/redis-info.js';
import { deletePrefix } from './lib/control-plane.js';
import { readFile } from 'node:fs/promises';

export interface BaselineResult {
  jobs: number;
  seconds: number;
  addSeconds: number;
  cpuSeconds: number;
  /** Redis' CPU over the baseline's run (nothing else uses the bench's private Redis meanwhile). */
  redisCpuSeconds: number;
  redisCommandsPerJob: number;
}

export async function runBaseline(redisUrl: string, jobs: number, concurrency: number, logDir: string): Promise<BaselineResult> {
  const prefix = `bench-baseline-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const before = parseCommandStats(await redis.info('commandstats'));
    const redisCpuBefore = redisCpuSeconds(parseInfo(await redis.info('cpu')));
    const child = startNode('baseline', 'scripts/bench/baseline.ts', ['--redis', redisUrl, '--prefix', prefix, '--jobs', String(jobs), '--concurrency', String(concurrency)], {
      logDir,
      env: {},
    });
    const exit = await child.exited;
    const after = parseCommandStats(await redis.info('commandstats'));
    const redisCpu = redisCpuSeconds(parseInfo(await redis.info('cpu'))) - redisCpuBefore;
    const log = await readFile(child.logFile, 'utf8');
    const line = log.split('\n').find((l) => l.startsWith('BASELINE '));
    if (!line) throw new Error(`the baseline ended (${exit}) without a result; see ${child.logFile}`);
    const r = JSON.parse(line.slice('BASELINE '.length)) as { seconds: number; addSeconds: number; cpuSeconds: number; completed: number; timedOut: boolean };
    if (r.timedOut || r.completed !== jobs) throw new Error(`the baseline completed ${r.completed} of ${jobs} jobs`);
    const commands = totalCalls(diffCommandStats(before, after, ['info']));
    return { jobs, seconds: r.seconds, addSeconds: r.addSeconds, cpuSeconds: r.cpuSeconds, redisCpuSeconds: redisCpu, redisCommandsPerJob: commands / jobs };
  } finally {
    redis.disconnect();
    await deletePrefix(redisUrl, prefix);
  }
}
