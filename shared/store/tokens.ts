/**
 * Api and enrollment tokens of accounts. A token is shown once, when created; Redis keeps its
 * sha256 twice: as the lookup record `token:<hash>` every request resolves (Instances.resolveToken)
 * and inside the account's token list (`tokens:<account>`, token id → JSON), which is what list and
 * revoke read. Revoking deletes the lookup record and stamps the list entry in one transaction;
 * user and enrollment tokens are never cached, so a revoked token stops working at once.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { hashToken, newToken } from '../ids.js';
import { randomBytes } from 'node:crypto';
import type { Role } from '../domain/access.js';
import type { Account } from './accounts.js';
import { runScript } from './scripts.js';

/** What a token is for: the api (with a role), enrolling hosts, or one host's agent. */
export type TokenKind = 'user' | 'enroll' | 'instance';
/** A role for the api, or `enroll` for an enrollment token. */
export type TokenRole = Role | 'enroll';

/** The lookup record at `token:<hash>`. Records from before accounts: `{kind: 'admin'}` (= user, admin, default account). */
export interface TokenRecord {
  kind: TokenKind | 'admin';
  tokenId?: string;
  accountId?: string;
  role?: Role;
  /** ISO time; the token is refused after it. */
  expiresAt?: string;
  instanceName?: string;
}

/** A token as its account's admins see it (never the secret, never its hash). */
export interface TokenInfo {
  tokenId: string;
  accountId: string;
  name: string;
  role: TokenRole;
  createTime: string;
  expiresAt?: string;
  revokeTime?: string;
  /** The token id that created it (`bootstrap` for the seeded ones). */
  createdBy: string;
}

interface StoredTokenInfo extends TokenInfo {
  tokenHash: string;
}

export interface NewToken {
  accountId: string;
  name: string;
  role: TokenRole;
  expiresAt?: string;
  createdBy: string;
  now: Date;
}

export function newTokenId(): string {
  return `tok-${randomBytes(8).toString('hex')}`;
}

function lookupRecord(info: TokenInfo): Record<string, string> {
  const base: Record<string, string> = info.role === 'enroll' ? { kind: 'enroll' } : { kind: 'user', role: info.role };
  return { ...base, tokenId: info.tokenId, accountId: info.accountId, ...(info.expiresAt ? { expiresAt: info.expiresAt } : {}) };
}

function shown({ tokenHash: _hash, ...info }: StoredTokenInfo): TokenInfo {
  return info;
}

export class Tokens {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** A new token: the secret is returned once and kept only as its hash. */
  async create(input: NewToken): Promise<{ token: string; info: TokenInfo }> {
    const token = newToken(input.role === 'enroll' ? 'cte' : 'cta');
    const info = (await this.put(token, { ...input, tokenId: newTokenId() })) as TokenInfo;
    return { token, info };
  }

  /**
   * A new account and its first admin token, written together (put-token.lua): never an account
   * nobody can administer, nor a token of an account that does not exist. Undefined when the id is taken.
   */
  async createAccount(account: Account, input: Omit<NewToken, 'accountId' | 'role'>): Promise<{ token: string; info: TokenInfo } | undefined> {
    const token = newToken('cta');
    const info = await this.put(token, { ...input, accountId: account.accountId, role: 'admin', tokenId: newTokenId() }, account);
    return info ? { token, info } : undefined;
  }

  /**
   * A token whose secret the operator chose (CUTOVER_ADMIN_TOKEN) or the bootstrap generated, under
   * a fixed id, at every api start. The same secret again changes nothing (a revoked one stays
   * revoked); a new secret replaces the old one under that id, and the old one stops working.
   */
  async seed(token: string, input: NewToken & { tokenId: string }): Promise<TokenInfo> {
    const previous = await this.get(input.accountId, input.tokenId);
    if (previous?.tokenHash === hashToken(token)) return shown(previous);
    const info = (await this.put(token, input)) as TokenInfo;
    if (previous) await this.redis.del(this.keys.token(previous.tokenHash));
    return info;
  }

  /** Undefined only when `newAccount` is given and its id is taken (then nothing is written). */
  private async put(token: string, input: NewToken & { tokenId: string }, newAccount?: Account): Promise<TokenInfo | undefined> {
    const stored: StoredTokenInfo = {
      tokenId: input.tokenId,
      accountId: input.accountId,
      name: input.name,
      role: input.role,
      createTime: input.now.toISOString(),
      ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
      createdBy: input.createdBy,
      tokenHash: hashToken(token),
    };
    const written = await runScript(
      this.redis,
      'put-token',
      [this.keys.token(stored.tokenHash), this.keys.accountTokens(input.accountId), this.keys.accounts],
      [stored.tokenId, JSON.stringify(stored), newAccount?.accountId ?? '', newAccount ? JSON.stringify(newAccount) : '', ...Object.entries(lookupRecord(stored)).flat()],
    );
    if (written !== 1) return undefined;
    return shown(stored);
  }

  private async get(accountId: string, tokenId: string): Promise<StoredTokenInfo | undefined> {
    const raw = await this.redis.hget(this.keys.accountTokens(accountId), tokenId);
    return raw ? (JSON.parse(raw) as StoredTokenInfo) : undefined;
  }

  async list(accountId: string): Promise<TokenInfo[]> {
    const all = await this.redis.hvals(this.keys.accountTokens(accountId));
    return all.map((raw) => shown(JSON.parse(raw) as StoredTokenInfo)).sort((a, b) => a.createTime.localeCompare(b.createTime) || a.tokenId.localeCompare(b.tokenId));
  }

  /** Revoke one of the account's tokens; undefined when the account has no such token. Revoking twice keeps the first time. */
  async revoke(accountId: string, tokenId: string, now: Date): Promise<TokenInfo | undefined> {
    const stored = await this.get(accountId, tokenId);
    if (!stored) return undefined;
    if (stored.revokeTime) return shown(stored);
    const revoked: StoredTokenInfo = { ...stored, revokeTime: now.toISOString() };
    await this.redis
      .multi()
      .del(this.keys.token(stored.tokenHash))
      .hset(this.keys.accountTokens(accountId), tokenId, JSON.stringify(revoked))
      .exec();
    return shown(revoked);
  }
}
