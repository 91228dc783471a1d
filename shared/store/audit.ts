/**
 * The audit log: per account, a capped Redis stream of every write its tokens made (and every
 * write another account made through a grant on its groups). Each entry is one stream record
 * with one field, `a`, holding the entry as JSON; the stream id is the entry's auditId, so ids
 * are time-ordered and serve as the paging cursor.
 *
 * Written by api/middleware/audit.ts (api requests) and shared/operations/audit-push.ts (git-host
 * pushes); read by GET /v1/audit (api/routes/audit.ts).
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export interface AuditEntry {
  /** The stream id: time-ordered, usable as a cursor. */
  auditId?: string;
  /** When the request started (ISO). */
  time: string;
  /** Who: the token id, its account and role. A git-host push: `webhook:github` / `webhook:gitlab`, no role. */
  tokenId: string;
  accountId: string;
  role?: string;
  /** What: `POST /v1/deployments` (the route), the path as sent, and the answer's status. */
  action: string;
  path: string;
  statusCode: number;
  /**
   * From where: the client address (X-Forwarded-For only behind a trusted proxy). A write a
   * worker made for a git-host push: `revision-worker` (the host's address is on the delivery's entry).
   */
  sourceIp: string;
  /** The grant that allowed it, when it acted on another account's resources. */
  grantId?: string;
  /** The other account involved through a grant (the owner, in the actor's log; the actor, in the owner's). */
  onAccountId?: string;
  /** Every grant used, only when there was more than one (grantId/onAccountId name the first). */
  grants?: { grantId: string; onAccountId: string }[];
  /** A git-host push: the webhook delivery that caused it, and the deployment it created. */
  deliveryId?: string;
  deploymentId?: string;
}

/** One account's page of entries, newest first; `nextBefore` is set when older entries remain. */
export interface AuditPage {
  entries: AuditEntry[];
  nextBefore?: string;
}

/**
 * Entries kept per account, trimmed approximately (`MAXLEN ~`, so Redis drops whole stream
 * nodes, which is cheap). A write is a few hundred bytes of JSON, so a busy account holds at
 * most some tens of MB; an installation that must keep more for longer exports the stream
 * (it is an ordinary XRANGE) before it rolls over. Deliberately per account, so one account's
 * traffic cannot push another's history out.
 */
export const AUDIT_MAX_ENTRIES_PER_ACCOUNT = 100_000;

/** The page size when the caller gives none. */
export const AUDIT_DEFAULT_LIMIT = 100;

const FIELD = 'a';

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Append the same entry to each (distinct) account's log. */
  async append(accountIds: readonly string[], entry: AuditEntry): Promise<void> {
    await this.appendEach([...new Set(accountIds)].map((accountId) => ({ accountId, entry })));
  }

  /**
   * Append one entry per account (each account may see a different one: a grant's owner sees the
   * actor's account as onAccountId), all in one MULTI so a write is in every log or in none.
   */
  async appendEach(writes: readonly { accountId: string; entry: AuditEntry }[]): Promise<void> {
    if (writes.length === 0) return;
    const add = (target: Pick<Redis, 'xadd'>, { accountId, entry }: (typeof writes)[number]) => {
      const { auditId: _ignored, ...stored } = entry;
      return target.xadd(this.keys.audit(accountId), 'MAXLEN', '~', AUDIT_MAX_ENTRIES_PER_ACCOUNT, '*', FIELD, JSON.stringify(stored));
    };
    // One log (no grant used: nearly every write) needs no transaction: a third of the commands.
    if (writes.length === 1) {
      await add(this.redis, writes[0]);
      return;
    }
    const multi = this.redis.multi();
    for (const write of writes) add(multi as unknown as Pick<Redis, 'xadd'>, write);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('The audit MULTI was aborted.');
  }

  /** Newest first: at most `limit` entries older than `before` (an auditId, exclusive; from the newest when absent). */
  async list(accountId: string, options: { limit?: number; before?: string } = {}): Promise<AuditPage> {
    const limit = options.limit ?? AUDIT_DEFAULT_LIMIT;
    // Nothing is older than the first possible id (and Redis refuses the range `(0-0`).
    if (options.before !== undefined && /^0+-0+$/.test(options.before)) return { entries: [] };
    const end = options.before ? `(${options.before}` : '+';
    // One more than asked: whether it comes back tells if there is a next page.
    const records = await this.redis.xrevrange(this.keys.audit(accountId), end, '-', 'COUNT', limit + 1);
    const entries = records.slice(0, limit).map(([auditId, fields]) => ({ auditId, ...(JSON.parse(fields[fields.indexOf(FIELD) + 1]) as AuditEntry) }));
    return records.length > limit ? { entries, nextBefore: entries[entries.length - 1].auditId } : { entries };
  }
}
