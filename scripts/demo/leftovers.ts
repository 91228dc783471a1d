/**
 * Each run starts clean. A demo killed without its cleanup (SIGKILL, a closed terminal) leaves
 * processes that would use the directory and keys about to be cleared, so the run records what
 * it starts (run.json), and the next run stops those first.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createKeys } from '../../shared/store/keys.js';
import { isLiveProcess, signalProcess, startedChildren, stopForeignProcess } from './children.js';
import { DemoError } from './cutover-api.js';
import { APP_MARKER, APP_PID_FILE, DEMO_DIR, HOSTS_DIR, REDIS_PREFIX, REPO, RUN_FILE } from './layout.js';

interface RunRecord {
  demoPid: number;
  children: { name: string; pid: number }[];
}

/** Refuses to run beside a live demo; stops a dead one's processes; removes its directory. */
export async function clearPreviousRun(): Promise<void> {
  const previous = await readRunRecord();
  if (previous && previous.demoPid !== process.pid && (await isLiveProcess(previous.demoPid, 'demo.ts'))) {
    throw new DemoError(`another demo is running (pid ${previous.demoPid}); stop it first (Ctrl-C in its terminal, or kill ${previous.demoPid})`);
  }
  for (const child of previous?.children ?? []) {
    // Each child leads its own process group (see startChild): kill the group, tsx and node alike.
    if (await isLiveProcess(child.pid, REPO)) signalProcess(-child.pid, 'SIGKILL');
  }
  await stopAppServers();
  await rm(DEMO_DIR, { recursive: true, force: true });
}

/** Removes every key under the demo's prefix, so the run starts with no applications or instances. */
export async function clearRedisNamespace(redisUrl: string, shownUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on('error', () => undefined); // reported by the awaited calls below
  try {
    await redis.connect();
    const pattern = `${createKeys(REDIS_PREFIX).prefix}:*`;
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } catch (err) {
    throw new DemoError(`cannot clear the demo's keys in Redis at ${shownUrl}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Stops each sample app server found by its pid file under a host's install root; returns how many. */
export async function stopAppServers(): Promise<number> {
  if (!existsSync(HOSTS_DIR)) return 0;
  let stopped = 0;
  for (const host of await readdir(HOSTS_DIR)) {
    const pid = Number((await readFile(path.join(HOSTS_DIR, host, 'fs', APP_PID_FILE), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && (await stopForeignProcess(pid, APP_MARKER))) stopped += 1;
  }
  return stopped;
}

/** Records which processes this run started; called after each start. */
export async function recordRun(): Promise<void> {
  const record: RunRecord = { demoPid: process.pid, children: startedChildren().map((c) => ({ name: c.name, pid: c.pid })) };
  await writeFile(RUN_FILE, JSON.stringify(record, null, 2));
}

/** After a clean stop there is nothing left for the next run to clear. */
export async function forgetRun(): Promise<void> {
  await rm(RUN_FILE, { force: true });
}

async function readRunRecord(): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await readFile(RUN_FILE, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}
