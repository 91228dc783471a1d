/**
 * Registered hosts and the bearer tokens of api users, enrollment and instances. Tokens are kept
 * only as sha256 hashes. An instance record is a hash: `info` (JSON), `tokenHash`, `lastSeen` (ms).
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { InstanceInfo } from '../domain/types.js';
import { decideRegistration, type RegistrationRequest } from '../domain/instance-ownership.js';
import { runScript } from './scripts.js';

import type { TokenRecord } from './tokens.js';

export interface Registration extends RegistrationRequest {
  tokenHash: string;
}

export type RegisterResult =
  | { registered: true; info: InstanceInfo }
  | { registered: false; code: 'InstanceNameAlreadyRegisteredException'; message: string };

/** Racing (de)registrations of one name each retry after a lost compare-and-set; this many means something is wrong. */
const MAX_REGISTER_ATTEMPTS = 20;

/**
 * Instance token lookups are cached in the process for a few seconds: every agent request
 * resolves one (an HGETALL each; 2–3 per host and deployment on a fleet). A token this process
 * revokes (re-registration, deregistration) is dropped from its cache at once; another api
 * process may honour it for up to TOKEN_CACHE_MS more. Api and enrollment tokens are not cached:
 * a revoked one stops at once everywhere.
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
    if (record.kind !== 'instance') return record;
    // Oldest first out: a Map iterates in insertion order.
    if (this.tokenCache.size >= TOKEN_CACHE_MAX) this.tokenCache.delete(this.tokenCache.keys().next().value as string);
    this.tokenCache.set(hash, { record, until: now + TOKEN_CACHE_MS });
    return record;
  }

  /**
   * Register (or re-register) a host by name for the enrollment token's account; a new instance
   * token replaces the old one. A name another account holds (Registered or Deregistered) is
   * refused and nothing is written (see decideRegistration and lua/register-instance.lua).
   */
  async register(reg: Registration): Promise<RegisterResult> {
    const key = this.keys.instance(reg.name);
    for (let attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++) {
      const [existing, oldTokenHash] = await this.redis.hmget(key, 'info', 'tokenHash');
      const decision = decideRegistration(existing ? (JSON.parse(existing) as InstanceInfo) : undefined, reg);
      if (!decision.ok) return { registered: false, code: decision.code, message: decision.message };
      const { info } = decision;
      const written = await runScript(
        this.redis,
        'register-instance',
        [key, this.keys.token(reg.tokenHash), this.keys.instances, this.keys.token(oldTokenHash ?? reg.tokenHash)],
        [reg.name, existing ?? '', oldTokenHash ?? '', JSON.stringify(info), reg.tokenHash, reg.now.getTime(), Date.parse(info.registerTime), reg.accountId],
      );
      if (written !== 1) continue; // Another registration of this name came first: read it and decide again.
      if (oldTokenHash && oldTokenHash !== reg.tokenHash) this.tokenCache.delete(oldTokenHash);
      return { registered: true, info };
    }
    throw new Error(`instance ${reg.name}: registration lost ${MAX_REGISTER_ATTEMPTS} races in a row`);
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

  /**
   * The host stays on record as Deregistered (its name still its account's); it is no longer
   * targeted and its token stops working. A compare-and-set like register (lua/deregister-instance.lua).
   */
  async deregister(name: string, now: Date): Promise<InstanceInfo | undefined> {
    const key = this.keys.instance(name);
    for (let attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++) {
      const [info, tokenHash] = await this.redis.hmget(key, 'info', 'tokenHash');
      if (!info) return undefined;
      const updated: InstanceInfo = { ...(JSON.parse(info) as InstanceInfo), registrationStatus: 'Deregistered', deregisterTime: now.toISOString() };
      const written = await runScript(this.redis, 'deregister-instance', [key, this.keys.token(tokenHash ?? '')], [info, tokenHash ?? '', JSON.stringify(updated)]);
      if (written !== 1) continue; // A registration came in between: deregister what it wrote.
      if (tokenHash) this.tokenCache.delete(tokenHash);
      return updated;
    }
    throw new Error(`instance ${name}: deregistration lost ${MAX_REGISTER_ATTEMPTS} races in a row`);
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
