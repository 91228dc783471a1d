/** The notifier role: the dispatcher's schedule and the worker that runs dispatches and sends. */
import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { NOTIFY_DISPATCH_SCHEDULER_ID, type JobPayloads } from '../../shared/queues.js';
import { Channels } from '../../shared/notifications/channels.js';
import { dispatchNotifications, type NotifierDeps } from './dispatch.js';
import { notifyBackoff, sendNotification } from './send.js';

export async function startNotifier(
  deps: NotifierDeps,
  connection: ConnectionOptions,
  prefix: string,
  timings: Partial<WorkerOptions>,
): Promise<{ worker: Worker; close(): void }> {
  const channels = new Channels(deps.config.notify);
  const worker = new Worker<JobPayloads['notifications']>(
    'notifications',
    async (job: Job<JobPayloads['notifications']>, token?: string) => {
      if (job.name === 'dispatch') {
        await dispatchNotifications(deps);
        return;
      }
      await sendNotification(deps, channels, job, token);
    },
    {
      connection,
      prefix,
      concurrency: deps.config.workerConcurrency,
      ...timings,
      settings: { backoffStrategy: (attemptsMade, _type, err) => notifyBackoff(deps.config, attemptsMade, err) },
    },
  );
  await deps.queues.notifications.upsertJobScheduler(
    NOTIFY_DISPATCH_SCHEDULER_ID,
    { every: deps.config.notify.dispatchIntervalMs },
    { name: 'dispatch', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  return { worker, close: () => channels.close() };
}
