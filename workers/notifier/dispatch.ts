/**
 * The dispatcher: a repeating job (a BullMQ job scheduler, like the sweeper) that turns new
 * entries of the global deployment-event stream into notification deliveries.
 *
 *   1. read the events after the cursor (notify:cursor) — at most one dispatcher at a time
 *      holds notify:dispatch-lock, but nothing below depends on that for correctness;
 *   2. map each to CodeDeploy trigger events and match the group's triggers and targets;
 *   3. write one delivery record per (event, trigger event, trigger, target) with SET NX and add
 *      one send job per delivery whose job id is the delivery id — both deterministic from the
 *      stream id, trigger and target;
 *   4. move the cursor (compare-and-set) past what was handled.
 * A crash between any two steps re-reads from the old cursor: records already written are kept
 * as they are, jobs already added are not added twice, and a send job that runs again finds its
 * delivery already final and does nothing. So each (event, target) gets exactly one delivery.
 */
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { Queues } from '../../shared/queues.js';
import type { Store } from '../../shared/store/index.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import type { StoredEvent } from '../../shared/store/events.js';
import type { NotificationRecord } from '../../shared/store/notifications.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';
import { deliveryIdFor, matchTargets, triggerEventsFor } from '../../shared/notifications/trigger-events.js';
import { buildNotice } from '../../shared/notifications/notice.js';
import { describeTarget } from '../../shared/notifications/mask.js';

export interface NotifierDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  now: () => Date;
}

const BATCH = 500;
const MAX_BATCHES_PER_RUN = 20;
/** Only saves duplicate work; correctness does not depend on it (see above). A crashed holder delays dispatch this long at most. */
const LOCK_MS = 15_000;

/** The options of every send job: attempts and the notifier's own backoff (see send.ts). */
export function sendJobOptions(config: Config, deliveryId: string): JobsOptions {
  return {
    jobId: deliveryId,
    attempts: config.notify.attempts,
    backoff: { type: 'notify', delay: config.notify.backoffMs },
    removeOnComplete: { count: 5000 },
    removeOnFail: { count: 5000 },
  };
}

export async function dispatchNotifications(deps: NotifierDeps): Promise<number> {
  const token = randomUUID();
  if (!(await deps.store.notifications.acquireDispatchLock(token, LOCK_MS))) return 0;
  let created = 0;
  try {
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const cursor = await deps.store.notifications.cursor();
      const events = await deps.store.events.range(undefined, cursor, BATCH);
      if (events.length === 0) break;
      const records = await deliveriesFor(deps, events);
      await deps.store.notifications.createMany(records);
      if (records.length > 0) {
        await deps.queues.notifications.addBulk(records.map((r) => ({ name: 'send', data: { deliveryId: r.deliveryId }, opts: sendJobOptions(deps.config, r.deliveryId) })));
        deps.log.debug({ deliveries: records.length, through: events[events.length - 1].id }, 'notifications dispatched');
      }
      created += records.length;
      if (!(await deps.store.notifications.advanceCursor(cursor, events[events.length - 1].id))) break;
      if (events.length < BATCH) break;
    }
  } finally {
    await deps.store.notifications.releaseDispatchLock(token);
  }
  return created;
}

async function deliveriesFor(deps: NotifierDeps, events: readonly StoredEvent[]): Promise<NotificationRecord[]> {
  const states = new Map<string, DeploymentState | undefined>();
  const groups = new Map<string, DeploymentGroup | undefined>();
  const records: NotificationRecord[] = [];
  const createdAt = deps.now().toISOString();
  for (const { id: streamId, event } of events) {
    // Lifecycle events, blue/green phases, weight shifts and alarms have no trigger event of their own.
    if (event.type !== 'DeploymentStatus' && event.type !== 'InstanceStatus' && event.type !== 'DeploymentAction') continue;
    if (!states.has(event.deploymentId)) states.set(event.deploymentId, await deps.store.deployments.get(event.deploymentId));
    const state = states.get(event.deploymentId);
    if (!state) continue;
    const { applicationName, deploymentGroupName } = state.spec;
    const groupKey = `${applicationName}/${deploymentGroupName}`;
    if (!groups.has(groupKey)) groups.set(groupKey, await deps.store.catalog.getDeploymentGroup(applicationName, deploymentGroupName));
    const triggers = groups.get(groupKey)?.triggerConfigurations ?? [];
    if (triggers.length === 0) continue;
    const matched = matchTargets(triggers, triggerEventsFor(event));
    if (matched.length === 0) continue;
    const target = event.type === 'InstanceStatus' ? await deps.store.deployments.getTarget(event.deploymentId, event.instanceId) : undefined;
    for (const m of matched) {
      records.push({
        deliveryId: deliveryIdFor(streamId, m.triggerEvent, m.triggerName, m.targetKey),
        deploymentId: event.deploymentId,
        streamId,
        applicationName,
        deploymentGroupName,
        triggerName: m.triggerName,
        triggerEvent: m.triggerEvent,
        channel: m.target.type,
        target: describeTarget(m.target),
        targetKey: m.targetKey,
        createdAt,
        notice: buildNotice({ triggerEvent: m.triggerEvent, triggerName: m.triggerName, event, state, target, publicUrl: deps.config.notify.publicUrl }),
      });
    }
  }
  return records;
}
