/**
 * Accounts (teams sharing one Cutover) and the grants between them. An account is a name and a
 * creation time; what it owns carries its id (`accountId` on applications, custom configs,
 * instances and deployments). A grant is one JSON record, indexed by its grantor and its grantee.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { Grant } from '../domain/access.js';

export interface Account {
  accountId: string;
  createTime: string;
}

export class Accounts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** False when the id is taken. */
  async create(account: Account): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.accounts, account.accountId, JSON.stringify(account))) === 1;
  }

  async get(accountId: string): Promise<Account | undefined> {
    const raw = await this.redis.hget(this.keys.accounts, accountId);
    return raw ? (JSON.parse(raw) as Account) : undefined;
  }

  async list(): Promise<Account[]> {
    const all = await this.redis.hvals(this.keys.accounts);
    return all.map((raw) => JSON.parse(raw) as Account).sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  async createGrant(grant: Grant): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.grant(grant.grantId), JSON.stringify(grant))
      .sadd(this.keys.grantsGiven(grant.grantorAccountId), grant.grantId)
      .sadd(this.keys.grantsReceived(grant.granteeAccountId), grant.grantId)
      .exec();
  }

  async getGrant(grantId: string): Promise<Grant | undefined> {
    const raw = await this.redis.get(this.keys.grant(grantId));
    return raw ? (JSON.parse(raw) as Grant) : undefined;
  }

  async deleteGrant(grant: Grant): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.grant(grant.grantId))
      .srem(this.keys.grantsGiven(grant.grantorAccountId), grant.grantId)
      .srem(this.keys.grantsReceived(grant.granteeAccountId), grant.grantId)
      .exec();
  }

  /** Grants the account gave, expired ones included (they show until deleted). */
  async grantsGiven(accountId: string): Promise<Grant[]> {
    return this.grantsIn(this.keys.grantsGiven(accountId));
  }

  /** Grants the account holds from others, expired ones included. */
  async grantsReceived(accountId: string): Promise<Grant[]> {
    return this.grantsIn(this.keys.grantsReceived(accountId));
  }

  private async grantsIn(setKey: string): Promise<Grant[]> {
    const ids = await this.redis.smembers(setKey);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.grant(id)));
    return raws
      .flatMap((raw) => (raw ? [JSON.parse(raw) as Grant] : []))
      .sort((a, b) => a.createTime.localeCompare(b.createTime) || a.grantId.localeCompare(b.grantId));
  }
}
