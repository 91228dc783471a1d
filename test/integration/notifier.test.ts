/**
 * The notifier's exactly-once machinery against a real Redis, with a counting fake channel:
 * re-reading the event stream after a "crash" creates no second delivery or job, a re-run job
 * does not send again, a send in progress elsewhere (lease) is waited for, a worker that died
 * mid-send leaves an Interrupted attempt and the next one sends, and retries and the final
 * failure are recorded.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { createStore, type Store } from '../../shared/store/index.js';
import { Queues, type JobPayloads } from '../../shared/queues.js';
import { loadConfig, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { connectRedis, deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { dispatchNotifications, type NotifierDeps } from '../../workers/notifier/dispatch.js';
import { notifyBackoff, sendNotification } from '../../workers/notifier/send.js';
import { PermanentSendError, RetryableSendError } from '../../shared/notifications/channel.js';
import type { Channels } from '../../shared/notifications/channels.js';
import type { DeploymentGroup, DeploymentSpec } from '../../shared/domain/types.js';

let redis: Redis;
let store: Store;
let queues: Queues;
let deps: NotifierDeps;
const prefix = uniquePrefix('notifier');
const config: Config = { ...loadConfig({}), notify: { ...loadConfig({}).notify, attempts: 8, backoffMs: 100, rateLimit: 1000 } };

const group: DeploymentGroup = {
  applicationName: 'app',
  deploymentGroupName: 'g',
  deploymentGroupId: 'group-1',
  deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
  instanceTagFilters: [],
  instanceTagSet: [],
  deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
  triggerConfigurations: [{ triggerName: 'ops', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'slack', url: 'http://127.0.0.1:9/services/x' }] }],
  createTime: new Date().toISOString(),
};

function spec(id: string): DeploymentSpec {
  return {
    deploymentId: id,
    applicationName: 'app',
    deploymentGroupName: 'g',
    deploymentGroupId: 'group-1',
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    revision: { revisionType: 'Bundle', digest: 'a'.repeat(64) },
    bundleType: 'tgz',
    creator: 'user',
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
    deploymentStyle: group.deploymentStyle,
    instanceTagFilters: [],
    instanceTagSet: [],
    eventTimeoutSeconds: {},
  };
}

function fakeChannels(impl: () => Promise<{ detail: string; httpStatus?: number }> = async () => ({ detail: 'ok', httpStatus: 200 })) {
  const send = vi.fn(impl);
  return { channels: { send } as unknown as Channels, send };
}

function fakeJob(deliveryId: string, attemptsMade = 0) {
  const moveToDelayed = vi.fn(async () => undefined);
  const job = { id: deliveryId, data: { deliveryId }, attemptsMade, opts: { attempts: config.notify.attempts }, moveToDelayed } as unknown as Job<JobPayloads['notifications']>;
  return { job, moveToDelayed };
}

/** A deployment of group g that succeeded; returns its one delivery id after a dispatch. */
async function succeededDeployment(id: string): Promise<string> {
  await store.deployments.create(spec(id), new Date());
  await store.deployments.close({ spec: spec(id) }, ['Created'], undefined, 'Succeeded', undefined, new Date());
  await dispatchNotifications(deps);
  const list = await store.notifications.listForDeployment(id);
  expect(list).toHaveLength(1);
  return list[0].deliveryId;
}

beforeAll(async () => {
  redis = connectRedis();
  store = createStore(redis, prefix);
  queues = new Queues(redis, store.keys.bullPrefix);
  deps = { store, queues, config, log: createLogger('silent', 'test'), now: () => new Date() };
  await store.catalog.createDeploymentGroup(group);
});

afterAll(async () => {
  await queues.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('dispatch', () => {
  it('turns one event into one delivery and one job, even when the stream is read again after a crash', async () => {
    const id = 'd-DISPATCH1';
    const deliveryId = await succeededDeployment(id);
    const [first] = await store.notifications.listForDeployment(id);
    expect(first.deliveryId).toBe(deliveryId);
    expect(first).toMatchObject({ triggerEvent: 'DeploymentSuccess', channel: 'slack', status: 'Pending', target: 'http://127.0.0.1:9/****' });
    // A dispatcher that died before moving its cursor: the next one reads the same events again.
    await redis.del(store.keys.notifyCursor);
    await dispatchNotifications(deps);
    await dispatchNotifications(deps);
    expect(await store.notifications.listForDeployment(id)).toEqual([first]);
    const jobs = (await queues.notifications.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j.data.deliveryId === first.deliveryId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].id).toBe(first.deliveryId);
  });
});

describe('send', () => {
  it('sends once: a re-run of a finished job sends nothing', async () => {
    const deliveryId = await succeededDeployment('d-SENDONCE1');
    const { channels, send } = fakeChannels();
    await sendNotification(deps, channels, fakeJob(deliveryId).job, undefined);
    await sendNotification(deps, channels, fakeJob(deliveryId).job, undefined);
    expect(send).toHaveBeenCalledTimes(1);
    const [view] = await store.notifications.listForDeployment('d-SENDONCE1');
    expect(view).toMatchObject({ status: 'Succeeded', attempts: [{ attempt: 1, outcome: 'Succeeded', httpStatus: 200 }] });
  });

  it('waits for a send in progress elsewhere instead of overlapping it', async () => {
    const deliveryId = await succeededDeployment('d-LEASED001');
    await store.notifications.acquireLease(deliveryId, 'another-worker', 5000);
    const { channels, send } = fakeChannels();
    const { job, moveToDelayed } = fakeJob(deliveryId);
    await expect(sendNotification(deps, channels, job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(send).not.toHaveBeenCalled();
    const [[at]] = moveToDelayed.mock.calls as unknown as [[number]];
    expect(at).toBeGreaterThan(Date.now() + 3000);
  });

  it('after a worker died mid-send, marks that attempt Interrupted and sends', async () => {
    const deliveryId = await succeededDeployment('d-DIEDSEND1');
    // What a worker leaves behind when it is killed during the send (its lease has expired).
    await store.notifications.addAttempt(deliveryId, { attempt: 1, startedAt: new Date().toISOString(), outcome: 'Sending' });
    const { channels, send } = fakeChannels();
    await sendNotification(deps, channels, fakeJob(deliveryId).job, undefined);
    expect(send).toHaveBeenCalledTimes(1);
    const [view] = await store.notifications.listForDeployment('d-DIEDSEND1');
    expect(view.status).toBe('Succeeded');
    expect(view.attempts.map((a) => a.outcome)).toEqual(['Interrupted', 'Succeeded']);
  });

  it('records failed attempts, honours Retry-After, and fails for good on the last attempt or a permanent error', async () => {
    const deliveryId = await succeededDeployment('d-RETRIES01');
    const limited = new RetryableSendError('HTTP 429', 429, 1500);
    const { channels } = fakeChannels(async () => {
      throw limited;
    });
    await expect(sendNotification(deps, channels, fakeJob(deliveryId, 0).job, undefined)).rejects.toBe(limited);
    expect(notifyBackoff(config, 1, limited)).toBe(1500);
    expect(notifyBackoff(config, 3, new RetryableSendError('HTTP 500', 500))).toBe(400);
    expect(notifyBackoff({ ...config, notify: { ...config.notify, maxBackoffMs: 1000 } }, 20, undefined)).toBe(1000);
    await expect(sendNotification(deps, channels, fakeJob(deliveryId, config.notify.attempts - 1).job, undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    const [view] = await store.notifications.listForDeployment('d-RETRIES01');
    expect(view.status).toBe('Failed');
    expect(view.attempts.map((a) => [a.outcome, a.httpStatus, a.retryAfterMs])).toEqual([
      ['Failed', 429, 1500],
      ['Failed', 429, 1500],
    ]);

    const permanentId = await succeededDeployment('d-PERMANENT');
    const { channels: refusing, send } = fakeChannels(async () => {
      throw new PermanentSendError('HTTP 404 no_service', 404);
    });
    await expect(sendNotification(deps, refusing, fakeJob(permanentId).job, undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    await sendNotification(deps, refusing, fakeJob(permanentId).job, undefined);
    expect(send).toHaveBeenCalledTimes(1);
    expect((await store.notifications.listForDeployment('d-PERMANENT'))[0]).toMatchObject({ status: 'Failed', error: 'HTTP 404 no_service' });
  });

  it('holds a send back, without spending an attempt, when the target is over its rate', async () => {
    const slow = { ...deps, config: { ...config, notify: { ...config.notify, rateLimit: 1, rateWindowMs: 60_000 } } };
    const a = await succeededDeployment('d-RATELIM01');
    const b = await succeededDeployment('d-RATELIM02');
    const { channels, send } = fakeChannels();
    // The earlier tests used this target's slot in this window already, so start a fresh window key.
    await redis.del(...(await redis.keys(`{${prefix}}:notify-rate:*`)));
    await sendNotification(slow, channels, fakeJob(a).job, 'token');
    const { job, moveToDelayed } = fakeJob(b);
    await expect(sendNotification(slow, channels, job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(send).toHaveBeenCalledTimes(1);
    expect(moveToDelayed).toHaveBeenCalledTimes(1);
    expect((await store.notifications.listForDeployment('d-RATELIM02'))[0]).toMatchObject({ status: 'Pending', attempts: [] });
  });
});
