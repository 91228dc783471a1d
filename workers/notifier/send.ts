/**
 * Sending one delivery, at most once at a time and, as near as the channels allow, exactly once.
 *
 *   final already?            → nothing to do (a retried or re-added job, a re-read stream)
 *   lease (SET NX PX) taken?  → another worker is sending it: come back when the lease ends
 *   target gone?              → Cancelled (the trigger or target was removed from the group)
 *   over the target's rate?   → come back when its window ends (not counted as an attempt)
 *   send                      → Succeeded recorded atomically with its attempt, right after
 *                               the receiver's answer; or the attempt Failed, retried with
 *                               backoff (Slack's Retry-After on 429), Failed for good on the
 *                               last attempt or a permanent error.
 * The lease outlives the longest possible send, so a slow worker whose job lock lapsed cannot
 * overlap the next one. The one window left: a worker that dies after the receiver accepted
 * (SMTP 250 / HTTP 2xx) and before the Succeeded write a millisecond later. The next attempt
 * cannot tell that from a death before the send, and sends again: at-least-once there. It is
 * marked Interrupted in the record, and the resend carries the same Message-ID /
 * X-Cutover-Delivery so receivers that dedupe (mail stores, careful webhook receivers) show one.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../../shared/config.js';
import type { JobPayloads } from '../../shared/queues.js';
import type { NotificationAttempt } from '../../shared/store/notifications.js';
import { targetKey } from '../../shared/notifications/trigger-events.js';
import { SendError, RetryableSendError } from '../../shared/notifications/channel.js';
import type { Channels } from '../../shared/notifications/channels.js';
import type { NotifierDeps } from './dispatch.js';

const FINAL = ['Succeeded', 'Failed', 'Cancelled'];

export function leaseMs(config: Config): number {
  // nodemailer's timeouts are per phase (connect, greeting, each socket read), so allow three.
  return 3 * config.notify.timeoutMs + 5000;
}

/** The backoff of a failed send: Retry-After when the receiver gave one, else exponential; capped. */
export function notifyBackoff(config: Config, attemptsMade: number, err: Error | undefined): number {
  const retryAfter = err instanceof SendError ? err.retryAfterMs : undefined;
  const exponential = config.notify.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(config.notify.maxBackoffMs, retryAfter ?? exponential);
}

export async function sendNotification(deps: NotifierDeps, channels: Channels, job: Job<JobPayloads['notifications']>, jobToken: string | undefined): Promise<void> {
  const { store, config, log } = deps;
  const n = store.notifications;
  const deliveryId = job.data.deliveryId;
  if (!deliveryId) return;
  const record = await n.getRecord(deliveryId);
  if (!record || FINAL.includes((await n.getState(deliveryId)).status)) return;

  const lease = randomUUID();
  if (!(await n.acquireLease(deliveryId, lease, leaseMs(config)))) {
    return await comeBackAt(job, jobToken, Date.now() + Math.max(100, await n.leaseTtlMs(deliveryId)));
  }
  try {
    if (FINAL.includes((await n.getState(deliveryId)).status)) return;
    const previous = await n.attempts(deliveryId);
    await markInterrupted(deps, deliveryId, previous);

    const group = await store.catalog.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const trigger = group?.triggerConfigurations?.find((t) => t.triggerName === record.triggerName);
    const target = trigger?.targets.find((t) => targetKey(t) === record.targetKey);
    if (!target) {
      await n.finish(deliveryId, 'Cancelled', { finishedAt: deps.now().toISOString(), error: 'The trigger or its target was removed from the deployment group.' });
      return;
    }
    const slot = await n.takeRateSlot(record.targetKey, config.notify.rateLimit, config.notify.rateWindowMs, Date.now());
    if (!slot.ok) {
      await n.releaseLease(deliveryId, lease);
      return await comeBackAt(job, jobToken, slot.retryAtMs);
    }

    const attempt: NotificationAttempt = { attempt: previous.length + 1, startedAt: deps.now().toISOString(), outcome: 'Sending' };
    const index = await n.addAttempt(deliveryId, attempt);
    const entry = { deliveryId, deploymentId: record.deploymentId, channel: record.channel, target: record.target, triggerEvent: record.triggerEvent, attempt: attempt.attempt };
    try {
      const result = await channels.send(record.notice, target, { deliveryId, timeoutMs: config.notify.timeoutMs, now: deps.now });
      const at = deps.now().toISOString();
      await n.finish(deliveryId, 'Succeeded', { sentAt: at, finishedAt: at, detail: result.detail }, { index, value: { ...attempt, endedAt: at, outcome: 'Succeeded', httpStatus: result.httpStatus, detail: result.detail } });
      log.info(entry, 'notification sent');
    } catch (err) {
      const e = err instanceof SendError ? err : new RetryableSendError(`unexpected: ${(err as Error).message}`);
      const at = deps.now().toISOString();
      const failed: NotificationAttempt = { ...attempt, endedAt: at, outcome: 'Failed', error: e.message, httpStatus: e.httpStatus, retryAfterMs: e.retryAfterMs };
      const last = !e.retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) {
        await n.finish(deliveryId, 'Failed', { finishedAt: at, error: e.message }, { index, value: failed });
        log.warn({ ...entry, error: e.message }, 'notification failed for good');
        throw new UnrecoverableError(e.message);
      }
      await n.updateAttempt(deliveryId, index, failed);
      log.info({ ...entry, error: e.message, retryAfterMs: e.retryAfterMs }, 'notification attempt failed; will retry');
      throw e;
    }
  } finally {
    await n.releaseLease(deliveryId, lease);
  }
}

/** An attempt still 'Sending' when we hold the lease belonged to a worker that died mid-send. */
async function markInterrupted(deps: NotifierDeps, deliveryId: string, attempts: NotificationAttempt[]): Promise<void> {
  for (const [index, a] of attempts.entries()) {
    if (a.outcome !== 'Sending') continue;
    a.outcome = 'Interrupted';
    a.error = 'The worker stopped during this attempt; whether the receiver got it is unknown.';
    await deps.store.notifications.updateAttempt(deliveryId, index, a);
  }
}

async function comeBackAt(job: Job, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}
