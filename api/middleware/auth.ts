/**
 * Bearer tokens. Users, enrollment and agents each have their own kind of token; a route says
 * which kinds it accepts. Tokens are looked up by their sha256, never stored in the clear.
 */
import type { RequestHandler } from 'express';
import { hashToken } from '../../shared/ids.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Store } from '../../shared/store/index.js';
import type { TokenKind, TokenRecord } from '../../shared/store/instances.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: TokenRecord;
  }
}

export function requireToken(store: Store, kinds: readonly TokenKind[]): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match) throw new UnauthorizedError();
    const record = await store.instances.resolveToken(hashToken(match[1]));
    if (!record || !kinds.includes(record.kind)) throw new UnauthorizedError('The bearer token is not valid for this route.');
    req.auth = record;
    next();
  };
}

/** The instance an agent token belongs to. */
export function instanceOf(record: TokenRecord | undefined): string {
  if (!record?.instanceName) throw new UnauthorizedError('An instance token is required.');
  return record.instanceName;
}
