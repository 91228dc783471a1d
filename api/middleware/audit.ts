/**
 * The audit trail of api writes: every /v1 request that is not a read (GET, HEAD, OPTIONS) and
 * whose token resolved gets one entry — who (token id, account, role), what (the route and the
 * path), when (the request's start), from where (the client address) and how it ended (the
 * status). Refused writes (400, 403, 404, 409) are recorded too: they are attempts. A request that
 * used another account's grant — a write, or a read of a granted group or deployment — goes to
 * both logs: the actor's (onAccountId: the owner) and the owner's (onAccountId: the actor).
 *
 * Mounted on the /v1 router right after authentication: a request whose token did not resolve
 * (401) names nobody to blame and is not recorded, nor is a body that express.json refused before
 * the /v1 router ran.
 *
 * When the entry is written: after the answer has gone out (`finish`), because only then are
 * the status and the grants the route used known. The price is honest: a process that dies
 * between sending the answer and the XADD loses that one entry, and a Redis that stays down
 * longer than AUDIT_WRITE_TIMEOUT_MS loses the entries of that time (each failure is logged as
 * an error). Writing before the route runs would record writes that never happened, with no
 * outcome; writing in the same transaction as every route's write would need every store method
 * to know about auditing.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { ApiDeps } from '../context.js';
import type { Grant, Principal } from '../../shared/domain/access.js';
import type { AuditEntry } from '../../shared/store/audit.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * How long an audit write may take before it is given up and logged. The store's connection
 * waits out a Redis restart rather than failing (shared/store/redis.ts), which would otherwise
 * hold one pending write per request for as long as Redis is away.
 */
const AUDIT_WRITE_TIMEOUT_MS = 10_000;

/** nginx's "client closed request": the client left before any answer; the write may or may not have happened. */
const CLIENT_CLOSED_REQUEST = 499;

/** The entry's fields that do not depend on whose log it goes to. */
export type AuditBase = Omit<AuditEntry, 'auditId' | 'grantId' | 'onAccountId' | 'grants'>;

export function auditWrites(deps: ApiDeps): RequestHandler {
  return (req, res, next) => {
    const read = READS.has(req.method);
    const time = deps.now().toISOString();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      try {
        const principal = req.principal;
        if (!principal) return;
        // A read is recorded only when it used another account's grant: every use of a grant is
        // audited on both sides (a list that merely includes granted deployments uses none).
        if (read && (req.grantsUsed ?? []).length === 0) return;
        const writes = auditWritesOf(baseEntry(req, res, principal, time), principal, req.grantsUsed ?? []);
        void withTimeout(deps.store.audit.appendEach(writes), AUDIT_WRITE_TIMEOUT_MS).catch((err: unknown) => {
          req.log.error({ err, audit: writes[0].entry }, 'audit entry not written');
        });
      } catch (err) {
        req.log.error({ err }, 'audit entry not written');
      }
    };
    res.once('finish', record);
    // A client that leaves before the answer: no `finish`, only `close`.
    res.once('close', record);
    next();
  };
}

function baseEntry(req: Request, res: Response, principal: Principal, time: string): AuditBase {
  const path = req.originalUrl.split('?', 1)[0];
  return {
    time,
    tokenId: principal.tokenId,
    accountId: principal.accountId,
    role: principal.role,
    // The route (`POST /v1/deployments/:id/stop`); a path no route matched, as sent. Not
    // req.baseUrl + req.path: Express rewrites both as the request walks nested routers, so
    // at `finish` they depend on which router sent the answer.
    action: `${req.method} ${req.routeDoc?.path ?? path}`,
    path,
    statusCode: res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST,
    sourceIp: clientAddress(req),
  };
}

/** IPv4 clients of a dual-stack socket show as `::ffff:1.2.3.4`; the log says `1.2.3.4`. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/**
 * Which logs get which entry: the actor's account always; each account whose grant the request
 * used, once, with the actor's account as onAccountId. Pure, for the unit tests.
 */
export function auditWritesOf(base: AuditBase, principal: Principal, grantsUsed: readonly Grant[]): { accountId: string; entry: AuditEntry }[] {
  const actor: AuditEntry = { ...base, ...grantFields(grantsUsed, (g) => g.grantorAccountId) };
  const writes = [{ accountId: principal.accountId, entry: actor }];
  const grantors = [...new Set(grantsUsed.map((g) => g.grantorAccountId))].filter((a) => a !== principal.accountId);
  for (const grantor of grantors) {
    const theirs = grantsUsed.filter((g) => g.grantorAccountId === grantor);
    writes.push({ accountId: grantor, entry: { ...base, ...grantFields(theirs, () => principal.accountId) } });
  }
  return writes;
}

function grantFields(grants: readonly Grant[], other: (g: Grant) => string): Pick<AuditEntry, 'grantId' | 'onAccountId' | 'grants'> {
  if (grants.length === 0) return {};
  const [first] = grants;
  return {
    grantId: first.grantId,
    onAccountId: other(first),
    ...(grants.length > 1 ? { grants: grants.map((g) => ({ grantId: g.grantId, onAccountId: other(g) })) } : {}),
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the audit write took longer than ${ms} ms (it may still land)`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
