/**
 * Notification deliveries, one per (event, trigger event, trigger, target), and the notifier's
 * bookkeeping. A delivery is an immutable record (written once, SET NX, by the dispatcher) plus
 * a small state hash and a list of attempts that the sending worker updates:
 *
 *   notif:<id>          JSON NotificationRecord (what to send; no secrets: the target is named
 *                       by its key and looked up in the group when sending)
 *   notif:<id>:state    hash {status, sentAt, finishedAt, detail, error}
 *   notif:<id>:attempts list of JSON NotificationAttempt, oldest first
 *   notif:<id>:lease    the worker that is sending it now (SET NX PX): no two sends overlap
 *   dep:<id>:notifs     zset of a deployment's delivery ids by creation time
 *   notify:cursor       the last global-stream id the dispatcher has fully turned into deliveries
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { ChannelType, TriggerEventType } from '../domain/triggers.js';
import type { Notice } from '../notifications/notice.js';

export interface NotificationRecord {
  deliveryId: string;
  deploymentId: string;
  /** The global event-stream id the delivery came from. */
  streamId: string;
  applicationName: string;
  deploymentGroupName: string;
  triggerName: string;
  triggerEvent: TriggerEventType;
  channel: ChannelType;
  /** Email addresses, or the masked URL. */
  target: string;
  targetKey: string;
  createdAt: string;
  notice: Notice;
}

export type NotificationStatus = 'Pending' | 'Succeeded' | 'Failed' | 'Cancelled';

export interface NotificationState {
  status: NotificationStatus;
  sentAt?: string;
  finishedAt?: string;
  detail?: string;
  error?: string;
}

export interface NotificationAttempt {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  /** Sending: under way, or its worker died mid-send (then the next attempt marks it Interrupted). */
  outcome: 'Sending' | 'Succeeded' | 'Failed' | 'Interrupted' | 'RateLimited';
  httpStatus?: number;
  retryAfterMs?: number;
  detail?: string;
  error?: string;
}

export interface NotificationView extends Omit<NotificationRecord, 'notice' | 'targetKey'>, NotificationState {
  attempts: NotificationAttempt[];
}

const CAS_SCRIPT = `
local current = redis.call("GET", KEYS[1])
if (current or "") ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2])
return 1`;

const RELEASE_SCRIPT = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`;

/**
 * Finish a delivery only if nobody finished it first, and close its attempt in the same step.
 * KEYS[1] state hash  KEYS[2] attempts list  KEYS[3] outcome counters (for /metrics).
 * ARGV[1] status  ARGV[2] fields JSON  ARGV[3] attempt index ("" = none)  ARGV[4] attempt JSON.
 * Returns 1, or 0 when already final.
 */
const FINISH_SCRIPT = `
local status = redis.call("HGET", KEYS[1], "status")
if status == "Succeeded" or status == "Failed" or status == "Cancelled" then return 0 end
redis.call("HSET", KEYS[1], "status", ARGV[1])
for field, value in pairs(cjson.decode(ARGV[2])) do redis.call("HSET", KEYS[1], field, value) end
if ARGV[3] ~= "" then redis.call("LSET", KEYS[2], tonumber(ARGV[3]), ARGV[4]) end
redis.call("HINCRBY", KEYS[3], ARGV[1], 1)
return 1`;

export class Notifications {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Create the deliveries that do not exist yet (existing ones are left exactly as they are). */
  async createMany(records: readonly NotificationRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const r of records) {
      pipeline.set(this.keys.notification(r.deliveryId), JSON.stringify(r), 'NX');
      pipeline.hsetnx(this.keys.notificationState(r.deliveryId), 'status', 'Pending');
      pipeline.zadd(this.keys.deploymentNotifications(r.deploymentId), 'NX', Date.parse(r.createdAt), r.deliveryId);
    }
    await pipeline.exec();
  }

  async getRecord(deliveryId: string): Promise<NotificationRecord | undefined> {
    const raw = await this.redis.get(this.keys.notification(deliveryId));
    return raw ? (JSON.parse(raw) as NotificationRecord) : undefined;
  }

  async getState(deliveryId: string): Promise<NotificationState> {
    const h = await this.redis.hgetall(this.keys.notificationState(deliveryId));
    return { status: (h.status as NotificationStatus) ?? 'Pending', sentAt: h.sentAt, finishedAt: h.finishedAt, detail: h.detail, error: h.error };
  }

  async attempts(deliveryId: string): Promise<NotificationAttempt[]> {
    return (await this.redis.lrange(this.keys.notificationAttempts(deliveryId), 0, -1)).map((raw) => JSON.parse(raw) as NotificationAttempt);
  }

  async listForDeployment(deploymentId: string): Promise<NotificationView[]> {
    const ids = await this.redis.zrange(this.keys.deploymentNotifications(deploymentId), 0, -1);
    const views = await Promise.all(
      ids.map(async (id) => {
        const record = await this.getRecord(id);
        if (!record) return undefined;
        const { notice: _n, targetKey: _k, ...rest } = record;
        return { ...rest, ...(await this.getState(id)), attempts: await this.attempts(id) } satisfies NotificationView;
      }),
    );
    return views.filter((v): v is NotificationView => v !== undefined);
  }

  /** Take the right to send (`token` = this attempt); false while another worker holds it. */
  async acquireLease(deliveryId: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.notificationLease(deliveryId), token, 'PX', ms, 'NX')) === 'OK';
  }

  async leaseTtlMs(deliveryId: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys.notificationLease(deliveryId)));
  }

  async releaseLease(deliveryId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.keys.notificationLease(deliveryId), token);
  }

  /** Append an attempt; returns its index in the list. */
  async addAttempt(deliveryId: string, attempt: NotificationAttempt): Promise<number> {
    return (await this.redis.rpush(this.keys.notificationAttempts(deliveryId), JSON.stringify(attempt))) - 1;
  }

  async updateAttempt(deliveryId: string, index: number, attempt: NotificationAttempt): Promise<void> {
    await this.redis.lset(this.keys.notificationAttempts(deliveryId), index, JSON.stringify(attempt));
  }

  /**
   * Record the final outcome (with the attempt that reached it, atomically); false when it was
   * already final, and then nothing changes.
   */
  async finish(
    deliveryId: string,
    status: Exclude<NotificationStatus, 'Pending'>,
    fields: Omit<NotificationState, 'status'>,
    attempt?: { index: number; value: NotificationAttempt },
  ): Promise<boolean> {
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const keys = [this.keys.notificationState(deliveryId), this.keys.notificationAttempts(deliveryId), this.keys.notificationOutcomes];
    const args = [status, JSON.stringify(clean), attempt ? String(attempt.index) : '', attempt ? JSON.stringify(attempt.value) : ''];
    return (await this.redis.eval(FINISH_SCRIPT, keys.length, ...keys, ...args)) === 1;
  }

  /**
   * A fixed-window counter per target: the n-th send in the window is allowed while n ≤ limit;
   * otherwise the answer says when the window ends.
   */
  async takeRateSlot(targetKey: string, limit: number, windowMs: number, nowMs: number): Promise<{ ok: true } | { ok: false; retryAtMs: number }> {
    const window = Math.floor(nowMs / windowMs);
    const key = this.keys.notifyRate(targetKey, window);
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, windowMs * 2).exec()) as [[Error | null, number], unknown];
    return count <= limit ? { ok: true } : { ok: false, retryAtMs: (window + 1) * windowMs };
  }

  async cursor(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.notifyCursor)) ?? undefined;
  }

  /** Move the cursor from `from` to `to`; false when someone else moved it first. */
  async advanceCursor(from: string | undefined, to: string): Promise<boolean> {
    return (await this.redis.eval(CAS_SCRIPT, 1, this.keys.notifyCursor, from ?? '', to)) === 1;
  }

  async acquireDispatchLock(token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.notifyDispatchLock, token, 'PX', ms, 'NX')) === 'OK';
  }

  async releaseDispatchLock(token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.keys.notifyDispatchLock, token);
  }
}
