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

export class Instances {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async putToken(hash: string, record: TokenRecord): Promise<void> {
    await this.redis.hset(this.keys.token(hash), record as unknown as Record<string, string>);
  }

  async resolveToken(hash: string): Promise<TokenRecord | undefined> {
    const record = await this.redis.hgetall(this.keys.token(hash));
    return record.kind ? (record as unknown as TokenRecord) : undefined;
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
    if (oldTokenHash && oldTokenHash !== reg.tokenHash) tx.del(this.keys.token(oldTokenHash));
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
