/**
 * Registered hosts and the bearer tokens of api users, enrollment and instances. Tokens are kept
 * only as sha256 hashes. An instance record is a hash: `info` (JSON), `tokenHash`, `lastSeen` (ms).
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { InstanceInfo } from '../domain/types.js';
import type { Tags } from '../domain/tag-filters.js';

export type TokenKind = 'admin' | 'enroll' | 'instance';
export interface TokenRecord {
  kind: TokenKind;
  instanceName?: string;
}

export interface Registration {
  name: string;
  tags: Tags;
  hostname?: string;
  agentVersion?: string;
  tokenHash: string;
  now: Date;
}

/**
 * Token lookups are cached in the process for a few seconds: every agent request and api call
 * resolves one (an HGETALL each; 2–3 per host and deployment on a fleet). A token this process
 * revokes (re-registration, deregistration) is dropped from its cache at once; another api
 * process may honour it for up to TOKEN_CACHE_MS more.
 */
export const TOKEN_CACHE_MS = 5_000;
const TOKEN_CACHE_MAX = 50_000;

export class Instances {
  private readonly tokenCache = new Map<string, { record: TokenRecord; until: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async putToken(hash: string, record: TokenRecord): Promise<void> {
    await this.redis.hset(this.keys.token(hash), record as unknown as Record<string, string>);
  }

  async resolveToken(hash: string): Promise<TokenRecord | undefined> {
    const now = Date.now();
    const cached = this.tokenCache.get(hash);
    if (cached && cached.until > now) return cached.record;
    const stored = await this.redis.hgetall(this.keys.token(hash));
    if (!stored.kind) {
      this.tokenCache.delete(hash);
      return undefined;
    }
    const record = stored as unknown as TokenRecord;
    this.tokenCache.delete(hash);
    // Oldest first out: a Map iterates in insertion order.
    if (this.tokenCache.size >= TOKEN_CACHE_MAX) this.tokenCache.delete(this.tokenCache.keys().next().value as string);
    this.tokenCache.set(hash, { record, until: now + TOKEN_CACHE_MS });
    return record;
  }

  /** Register (or re-register) a host by name; a new instance token replaces the old one. */
  async register(reg: Registration): Promise<InstanceInfo> {
    const key = this.keys.instance(reg.name);
    const [existing, oldTokenHash] = await this.redis.hmget(key, 'info', 'tokenHash');
    const previous = existing ? (JSON.parse(existing) as InstanceInfo) : undefined;
    const info: InstanceInfo = {
      instanceName: reg.name,
      tags: reg.tags,
      registrationStatus: 'Registered',
      registerTime: previous?.registrationStatus === 'Registered' ? previous.registerTime : reg.now.toISOString(),
      hostname: reg.hostname,
      agentVersion: reg.agentVersion,
    };
    const tx = this.redis.multi();
    if (oldTokenHash && oldTokenHash !== reg.tokenHash) {
      tx.del(this.keys.token(oldTokenHash));
      this.tokenCache.delete(oldTokenHash);
    }
    tx.hset(key, { info: JSON.stringify(info), tokenHash: reg.tokenHash, lastSeen: reg.now.getTime() });
    tx.hset(this.keys.token(reg.tokenHash), { kind: 'instance', instanceName: reg.name });
    tx.zadd(this.keys.instances, Date.parse(info.registerTime), reg.name);
    await tx.exec();
    return info;
  }

  async get(name: string): Promise<InstanceInfo | undefined> {
    const [info, lastSeen] = await this.redis.hmget(this.keys.instance(name), 'info', 'lastSeen');
    return info ? withLastSeen(JSON.parse(info) as InstanceInfo, lastSeen) : undefined;
  }

  async list(): Promise<InstanceInfo[]> {
    const names = await this.redis.zrange(this.keys.instances, 0, -1);
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hmget(this.keys.instance(name), 'info', 'lastSeen');
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([, value]) => {
      const [info, lastSeen] = value as [string | null, string | null];
      return info ? [withLastSeen(JSON.parse(info) as InstanceInfo, lastSeen)] : [];
    });
  }

  /** The host stays on record as Deregistered; it is no longer targeted and its token stops working. */
  async deregister(name: string, now: Date): Promise<InstanceInfo | undefined> {
    const key = this.keys.instance(name);
    const [info, tokenHash] = await this.redis.hmget(key, 'info', 'tokenHash');
    if (!info) return undefined;
    const updated: InstanceInfo = { ...(JSON.parse(info) as InstanceInfo), registrationStatus: 'Deregistered', deregisterTime: now.toISOString() };
    const tx = this.redis.multi().hset(key, 'info', JSON.stringify(updated)).hdel(key, 'tokenHash');
    if (tokenHash) tx.del(this.keys.token(tokenHash));
    await tx.exec();
    if (tokenHash) this.tokenCache.delete(tokenHash);
    return updated;
  }

  /** A poll is the heartbeat. */
  async touch(name: string, nowMs: number): Promise<void> {
    await this.redis.hset(this.keys.instance(name), 'lastSeen', nowMs);
  }

  async lastSeen(names: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (names.length === 0) return result;
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hget(this.keys.instance(name), 'lastSeen');
    const rows = (await pipeline.exec()) ?? [];
    rows.forEach(([, value], i) => result.set(names[i], value ? Number(value) : 0));
    return result;
  }
}

function withLastSeen(info: InstanceInfo, lastSeen: string | null): InstanceInfo {
  return lastSeen ? { ...info, lastSeenAt: new Date(Number(lastSeen)).toISOString() } : info;
}
