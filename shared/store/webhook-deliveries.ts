/**
 * Git-host webhook deliveries: one record per delivery id (the dedupe key: the same delivery
 * posted twice finds the first record and deploys nothing more), what became of it, and a
 * counter of refused (badly signed) requests, which are deliberately not recorded otherwise.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { GitProvider } from '../domain/triggers.js';

export type WebhookDeliveryStatus = 'Queued' | 'Deployed' | 'Failed' | 'Ignored';

export interface WebhookDeliveryTarget {
  applicationName: string;
  deploymentGroupName: string;
  status: 'Pending' | 'Deployed' | 'Failed';
  deploymentId?: string;
  reason?: string;
}

export interface WebhookDelivery {
  deliveryId: string;
  provider: GitProvider;
  /** The host's event name (`push`, `ping`, `Push Hook`, …). */
  event: string;
  receivedAt: string;
  updatedAt: string;
  status: WebhookDeliveryStatus;
  /** Why it was ignored or failed. */
  reason?: string;
  repository?: string;
  ref?: string;
  branch?: string;
  commitId?: string;
  pusher?: string;
  /** The pushed head commit's message, first line (it becomes the deployment's description). */
  headCommitMessage?: string;
  /** Where the revision worker fetches from (credentials in it, if any, are masked). */
  cloneUrl?: string;
  revision?: { digest: string; size: number };
  targets: WebhookDeliveryTarget[];
}

const MAX_KEPT = 5000;

export class WebhookDeliveries {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Record a new delivery; false when this delivery id was recorded before (a redelivery). */
  async create(delivery: WebhookDelivery): Promise<boolean> {
    const key = this.keys.webhookDelivery(delivery.provider, delivery.deliveryId);
    if ((await this.redis.set(key, JSON.stringify(delivery), 'NX')) !== 'OK') return false;
    await this.redis
      .multi()
      .zadd(this.keys.webhookDeliveries, Date.parse(delivery.receivedAt), `${delivery.provider}/${delivery.deliveryId}`)
      .zremrangebyrank(this.keys.webhookDeliveries, 0, -MAX_KEPT - 1)
      .exec();
    return true;
  }

  async get(provider: GitProvider, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const raw = await this.redis.get(this.keys.webhookDelivery(provider, deliveryId));
    return raw ? (JSON.parse(raw) as WebhookDelivery) : undefined;
  }

  /** Only the revision job of a delivery writes it after creation (one job id per delivery). */
  async save(delivery: WebhookDelivery): Promise<void> {
    await this.redis.set(this.keys.webhookDelivery(delivery.provider, delivery.deliveryId), JSON.stringify(delivery));
  }

  /** Newest first. */
  async list(limit: number): Promise<WebhookDelivery[]> {
    const members = await this.redis.zrevrange(this.keys.webhookDeliveries, 0, limit - 1);
    if (members.length === 0) return [];
    const raws = await this.redis.mget(
      ...members.map((m) => {
        const [provider, id] = m.split('/', 2);
        return this.keys.webhookDelivery(provider, id);
      }),
    );
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as WebhookDelivery);
  }

  async countRefused(provider: GitProvider): Promise<void> {
    await this.redis.incr(this.keys.webhookRefused(provider));
  }

  async refusedCounts(): Promise<Record<GitProvider, number>> {
    const [github, gitlab] = await this.redis.mget(this.keys.webhookRefused('GitHub'), this.keys.webhookRefused('GitLab'));
    return { GitHub: Number(github ?? 0), GitLab: Number(gitlab ?? 0) };
  }
}
