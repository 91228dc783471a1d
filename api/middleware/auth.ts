/**
 * Bearer tokens. Api users, enrollment and agents each have their own kind of token; a route says
 * which kind it accepts. Tokens are looked up by their sha256, never stored in the clear. An api
 * token resolves to a Principal (account and role); what the role may do per route is
 * api/middleware/route-roles.ts, what the account may reach is api/access.ts.
 */
import type { RequestHandler } from 'express';
import { hashToken } from '../../shared/ids.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Store } from '../../shared/store/index.js';
import type { TokenKind, TokenRecord } from '../../shared/store/tokens.js';
import { accountOf, DEFAULT_ACCOUNT, ROLES, type Grant, type Principal, type Role } from '../../shared/domain/access.js';
import type { RouteDoc } from '../openapi.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The resolved token record (agent and enrollment routes). */
    auth?: TokenRecord;
    /** The api caller (/v1 routes). */
    principal?: Principal;
    /** Grants that let this request reach another account's resources (audited on both sides). */
    grantsUsed?: Grant[];
    /** The route table entry this request matched (api/openapi-routes.ts). */
    routeDoc?: RouteDoc;
  }
}

/** The token a record stands for, as this version reads it: records from before accounts are the default account's. */
export function normalizeRecord(record: TokenRecord): TokenRecord & { kind: TokenKind; accountId: string } {
  if (record.kind === 'admin') return { ...record, kind: 'user', role: 'admin', accountId: DEFAULT_ACCOUNT, tokenId: record.tokenId ?? 'legacy-admin' };
  return { ...record, kind: record.kind, accountId: accountOf(record) };
}

/** The bearer token of a request, its record, or a 401 that says why (never which tokens exist). */
async function resolveBearer(store: Store, header: string | undefined, now: Date): Promise<TokenRecord & { kind: TokenKind; accountId: string }> {
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedError();
  const stored = await store.instances.resolveToken(hashToken(match[1]));
  if (!stored) throw new UnauthorizedError('The bearer token is not valid (unknown or revoked).');
  const record = normalizeRecord(stored);
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) throw new UnauthorizedError(`The bearer token expired at ${record.expiresAt}.`);
  return record;
}

/** Agent and enrollment routes: a token of one of these kinds. */
export function requireToken(store: Store, kinds: readonly TokenKind[], now: () => Date = () => new Date()): RequestHandler {
  return async (req, _res, next) => {
    const record = await resolveBearer(store, req.headers.authorization, now());
    if (!kinds.includes(record.kind)) throw new UnauthorizedError('The bearer token is not valid for this route.');
    req.auth = record;
    next();
  };
}

/** The /v1 routes: an api token of any role; the route's own role is checked next (route-roles.ts). */
export function requirePrincipal(store: Store, now: () => Date): RequestHandler {
  return async (req, _res, next) => {
    const record = await resolveBearer(store, req.headers.authorization, now());
    const role = record.role as Role | undefined;
    if (record.kind !== 'user' || !role || !ROLES.includes(role) || !record.tokenId) {
      throw new UnauthorizedError('The bearer token is not an api token (enrollment and instance tokens are for agents).');
    }
    req.principal = { tokenId: record.tokenId, accountId: record.accountId, role };
    req.grantsUsed = [];
    next();
  };
}

/** The instance an agent token belongs to. */
export function instanceOf(record: TokenRecord | undefined): string {
  if (!record?.instanceName) throw new UnauthorizedError('An instance token is required.');
  return record.instanceName;
}
