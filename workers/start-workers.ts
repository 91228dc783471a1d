/**
 * Starts the worker roles this process is asked to run. Each role is a BullMQ Worker whose
 * processor is a reconcile: it may run twice, or after a crash, and still do the right thing.
 */
import { MetricsTime, Worker, type Job } from 'bullmq';
import type { Config, WorkerRole } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../shared/store/index.js';
import { createRedis } from '../shared/store/redis.js';
import { Queues, SWEEP_SCHEDULER_ID, type JobPayloads } from '../shared/queues.js';
import { reconcileDeployment } from './scheduler/reconcile.js';
import { sweep } from './scheduler/sweep.js';
import { advanceInstance } from './instance/advance.js';
import { runAlarmCheck, runShiftStep } from './traffic/shift.js';
import { WorkerWatchdog } from './watchdog.js';
import { startNotifier } from './notifier/start-notifier.js';
import { startRevisionWorker } from './revision/start-revision-worker.js';

export interface WorkerHandle {
  close(): Promise<void>;
}

/** Short locks: a killed worker's job is picked up by another within seconds. */
const WORKER_TIMINGS = {
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 20,
  runRetryDelay: 2_000,
  // BullMQ's own per-queue counts of completed and failed jobs, kept in Redis: /metrics reads them.
  metrics: { maxDataPoints: MetricsTime.ONE_HOUR * 24 },
};

export async function startWorkers(config: Config, store: Store, queues: Queues, log: Logger, roles: readonly WorkerRole[]): Promise<WorkerHandle> {
  const deps = { store, queues, config, log, now: () => new Date() };
  const connection = createRedis(config.redisUrl, 'cutover-workers');
  const prefix = store.keys.bullPrefix;
  const workers: Worker[] = [];

  if (roles.includes('scheduler')) {
    workers.push(
      new Worker<JobPayloads['scheduler']>(
        'scheduler',
        async (job: Job<JobPayloads['scheduler']>) => {
          if (job.name === 'sweep') return sweep(deps);
          if (job.data.deploymentId) return reconcileDeployment(deps, job.data.deploymentId);
        },
        { connection, prefix, concurrency: config.workerConcurrency, ...WORKER_TIMINGS },
      ),
    );
    await queues.scheduler.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: config.sweepIntervalMs }, { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
  if (roles.includes('instance')) {
    workers.push(
      new Worker<JobPayloads['instances']>(
        'instances',
        async (job: Job<JobPayloads['instances']>) => advanceInstance(deps, job.data.deploymentId, job.data.instanceName),
        { connection, prefix, concurrency: config.workerConcurrency, ...WORKER_TIMINGS },
      ),
    );
  }
  if (roles.includes('traffic')) {
    workers.push(
      new Worker<JobPayloads['traffic']>(
        'traffic',
        async (job: Job<JobPayloads['traffic']>) =>
          job.name === 'alarms' ? runAlarmCheck(deps, job.data.deploymentId, job.data.slot ?? 0) : runShiftStep(deps, job.data.deploymentId),
        { connection, prefix, concurrency: config.workerConcurrency, ...WORKER_TIMINGS },
      ),
    );
  }
  const cleanups: (() => void)[] = [];
  if (roles.includes('notifier')) {
    const notifier = await startNotifier(deps, connection, prefix, WORKER_TIMINGS);
    workers.push(notifier.worker);
    cleanups.push(notifier.close);
  }
  if (roles.includes('revision')) workers.push(startRevisionWorker(deps, connection, prefix, WORKER_TIMINGS));
  const wire = (worker: Worker) => {
    worker.on('error', (err) => log.error({ err, queue: worker.name }, 'worker error'));
    worker.on('failed', (job, err) => log.warn({ err, queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed'));
  };
  workers.forEach(wire);
  // Replaces a worker whose queue stopped moving (e.g. wedged after a Redis restart).
  const watchdogConnection = createRedis(config.redisUrl, 'cutover-workers-watchdog');
  const watchdog = new WorkerWatchdog({
    connection: watchdogConnection,
    prefix,
    log,
    stallMs: config.watchdogStallMs,
    intervalMs: Math.min(5_000, Math.max(500, Math.floor(config.watchdogStallMs / 4))),
    onReplaced: wire,
  });
  workers.forEach((w) => watchdog.watch(w));
  watchdog.start();
  log.info({ roles }, 'workers started');
  return {
    async close() {
      await watchdog.close();
      await watchdog.closeWorkers();
      watchdogConnection.disconnect();
      for (const cleanup of cleanups) cleanup();
      connection.disconnect();
    },
  };
}
