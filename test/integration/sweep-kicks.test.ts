/**
 * The sweeper's kicks against a real Redis and real BullMQ: an instance idle between commands gets
 * one kick at a time — none while its last kick still waits (or waits for a retry, or runs) — and
 * a new one once that kick completed, failed for good, stalled and then finished, or was removed,
 * so a kick that did nothing is repeated. A kick whose job vanished without BullMQ does not block
 * the next one for good either.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { createStore } from '../../shared/store/index.js';
import { KICK_ORPHAN_CHECK_MS, Queues, type JobPayloads } from '../../shared/queues.js';
import { loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { newTarget } from '../../shared/domain/target-updates.js';
import { lifecycleFor } from '../../shared/domain/lifecycle.js';
import { sweep, type SweepDeps } from '../../workers/scheduler/sweep.js';
import { connectRedis, deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

type InstanceJob = Job<JobPayloads['instances']>;

let redis: Redis;
const cleanups: (() => Promise<void>)[] = [];
const started = new Date('2026-11-27T10:00:00Z');

beforeAll(() => {
  redis = connectRedis();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  redis.disconnect();
});

/** A store and queues of their own, one deployment whose host h1 is InProgress with no command, and a clock a minute on. */
async function givenIdleHost(label: string) {
  const prefix = uniquePrefix(label);
  const store = createStore(redis, prefix);
  const queues = new Queues(redis, store.keys.bullPrefix);
  const workers: Worker[] = [];
  cleanups.push(async () => {
    for (const w of workers) await w.close(true);
    await queues.close();
    await deletePrefix(redis, prefix);
  });

  const id = 'd-KICKS0001';
  await store.deployments.create(deploymentSpec(id, 'group-kicks'), started);
  expect(await store.deployments.claimGroup(id, 'group-kicks')).toBe('active');
  const lifecycle = lifecycleFor('IN_PLACE', false);
  expect(await store.deployments.start(id, { total: 1, minHealthy: 0, windowSize: 1, oneAtATime: false }, [newTarget(id, 'h1', lifecycle, started)], started)).toBe(true);
  const stored = (await store.deployments.getTarget(id, 'h1'))!;
  expect(await store.deployments.writeTarget(stored, { ...stored, status: 'InProgress', commandId: undefined }, undefined)).toBe(true);

  let clock = started.getTime() + 60_000;
  const deps: SweepDeps = { store, queues, config: loadConfig({}), log: createLogger('silent', 'test'), now: () => new Date(clock) };
  const world = {
    queues,
    /** Sweeps `afterMs` after the previous one. */
    async sweepAfter(afterMs = 5000): Promise<void> {
      clock += afterMs;
      await sweep(deps);
    },
    async kicks(states: ('waiting' | 'active' | 'delayed' | 'completed' | 'failed')[] = ['waiting']): Promise<string[]> {
      const jobs = (await queues.instances.getJobs(states)) as InstanceJob[];
      return jobs.filter((j) => j.data.instanceName === 'h1' && j.id!.includes('.kick-')).map((j) => j.id!).sort();
    },
    /** A worker that processes nothing by itself: jobs are taken and finished by hand, as a crashed or a slow one would. */
    manualWorker(opts: { lockDuration?: number; stalledInterval?: number; maxStalledCount?: number } = {}): Worker {
      const w = new Worker('instances', null, { connection: redis, prefix: store.keys.bullPrefix, ...opts });
      w.on('error', () => undefined);
      workers.push(w);
      return w;
    },
    /** A worker takes the kick, then dies: its lock runs out and no one finishes the job. */
    async crashWhileHolding(kickId: string): Promise<void> {
      const crashed = world.manualWorker({ lockDuration: 300 });
      expect((await crashed.getNextJob('token-dead'))!.id).toBe(kickId);
      await crashed.close(true);
    },
    /** The next sweep (`afterMs` on) adds a kick, and it is none of `earlier`. */
    async sweepExpectingNewKick(earlier: string[], afterMs?: number): Promise<string> {
      await world.sweepAfter(afterMs);
      const [kick] = await world.kicks();
      expect(kick).toBeDefined();
      expect(earlier).not.toContain(kick);
      return kick;
    },
    processingWorker(processor: (job: InstanceJob) => Promise<void>, opts: { stalledInterval?: number; maxStalledCount?: number } = {}): Worker {
      const w = new Worker('instances', processor, { connection: redis, prefix: store.keys.bullPrefix, ...opts });
      w.on('error', () => undefined);
      workers.push(w);
      return w;
    },
  };
  return world;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sweeper kicks', () => {
  it('adds no second kick while the first still waits, and kicks again once it completed', async () => {
    const w = await givenIdleHost('kicks-wait');
    await w.sweepAfter();
    const [first] = await w.kicks();
    expect(first).toMatch(/^d-KICKS0001\.h1\.kick-\d+$/);
    await w.sweepAfter();
    await w.sweepAfter();
    expect(await w.kicks()).toEqual([first]);

    // Taken by a worker (active): still no second one.
    const worker = w.manualWorker();
    const job = (await worker.getNextJob('token-1'))!;
    expect(job.id).toBe(first);
    await w.sweepAfter();
    expect(await w.kicks(['waiting', 'active'])).toEqual([first]);

    // It ran and did nothing (kept as completed): the next sweep kicks again, with an id of its own.
    await job.moveToCompleted(undefined, 'token-1', false);
    const second = await w.sweepExpectingNewKick([first]);
    expect(await w.kicks(['completed'])).toEqual([first]);

    // A kick removed while waiting frees the next one too.
    await w.queues.instances.remove(second);
    await w.sweepExpectingNewKick([first, second]);
  });

  it('holds back kicks while a failed kick waits for its retry, and kicks again once it failed for good', async () => {
    const w = await givenIdleHost('kicks-fail');
    await w.sweepAfter();
    const [first] = await w.kicks();
    const worker = w.manualWorker();

    const attempt = (await worker.getNextJob('token-1'))!;
    await attempt.moveToFailed(new Error('redis blip'), 'token-1', false);
    expect(await w.queues.instances.getJobState(first)).toBe('delayed');
    await w.sweepAfter();
    expect(await w.kicks(['waiting', 'delayed'])).toEqual([first]);

    await w.queues.instances.promoteJobs();
    const last = (await worker.getNextJob('token-2'))!;
    expect(last.id).toBe(first);
    await last.moveToFailed(new UnrecoverableError('gave up'), 'token-2', false);
    expect(await w.queues.instances.getJobState(first)).toBe('failed');
    await w.sweepExpectingNewKick([first]);
  });

  it('a kick whose worker crashed keeps holding the next one back while it waits again, and frees it once run', async () => {
    const w = await givenIdleHost('kicks-stall');
    await w.sweepAfter();
    const [first] = await w.kicks();

    await w.crashWhileHolding(first);

    const checker = w.manualWorker({ stalledInterval: 200, maxStalledCount: 1 });
    await checker.startStalledCheckTimer();
    await until(async () => (await w.queues.instances.getJobState(first)) === 'waiting', 'the stalled kick back in wait');
    await w.sweepAfter();
    expect(await w.kicks()).toEqual([first]);

    const rerun = (await checker.getNextJob('token-2'))!;
    expect(rerun.id).toBe(first);
    await rerun.moveToCompleted(undefined, 'token-2', false);
    await w.sweepExpectingNewKick([first]);
  });

  it('a kick that stalled more often than allowed fails, and frees the next one', async () => {
    const w = await givenIdleHost('kicks-stall-limit');
    await w.sweepAfter();
    const [first] = await w.kicks();

    await w.crashWhileHolding(first);

    // maxStalledCount 0: the first stall marks it to fail, and the next worker to take it fails it.
    const ran: string[] = [];
    const worker = w.processingWorker(async (job) => {
      ran.push(job.id!);
    }, { stalledInterval: 200, maxStalledCount: 0 });
    await until(async () => (await w.queues.instances.getJobState(first)) === 'failed', 'the stalled kick failed');
    expect(ran).toEqual([]);
    expect((await w.queues.instances.getJob(first))!.failedReason).toBe('job stalled more than allowable limit');
    await worker.close();

    await w.sweepExpectingNewKick([first]);
  });

  it('a kick whose job vanished without BullMQ blocks the next only until it is older than the orphan check', async () => {
    const w = await givenIdleHost('kicks-orphan');
    await w.sweepAfter();
    const [first] = await w.kicks();
    await redis.del(w.queues.instances.toKey(first));
    await redis.lrem(w.queues.instances.toKey('wait'), 0, first);

    await w.sweepAfter();
    expect(await w.kicks()).toEqual([]);
    await w.sweepExpectingNewKick([first], KICK_ORPHAN_CHECK_MS);
  });
});
