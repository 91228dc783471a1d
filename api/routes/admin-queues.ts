/**
 * The BullMQ queue board (@bull-board) at /admin/queues, for the operator only (an admin token of
 * the default account: the queues carry every account's jobs). Browsers cannot send a bearer
 * header, so HTTP Basic works too: any user name, the token as password.
 */
import type { RequestHandler, Router } from 'express';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { hashToken } from '../../shared/ids.js';
import type { Store } from '../../shared/store/index.js';
import { normalizeRecord } from '../middleware/auth.js';
import { isOperator } from '../middleware/route-roles.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

export function queueBoard(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter, options: { uiConfig: { boardTitle: 'Cutover queues' } } });
  return serverAdapter.getRouter() as Router;
}

/** Bearer or Basic (password = the token); anything else gets a Basic challenge so a browser asks. */
export function requireAdminForBoard(store: Store): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    let token: string | undefined;
    const bearer = /^Bearer\s+(\S{1,512})$/i.exec(header);
    const basic = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header);
    if (bearer) token = bearer[1];
    else if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      token = decoded.slice(decoded.indexOf(':') + 1);
    }
    const stored = token ? await store.instances.resolveToken(hashToken(token)) : undefined;
    const record = stored ? normalizeRecord(stored) : undefined;
    const live = !record?.expiresAt || Date.parse(record.expiresAt) > Date.now();
    if (record?.kind === 'user' && live && record.role && isOperator({ tokenId: record.tokenId ?? '', accountId: record.accountId, role: record.role })) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="Cutover queues", charset="UTF-8"')
      .json({ error: { code: 'UnauthorizedException', message: 'The queue board needs an admin token of the default account (as a bearer token, or as the password of HTTP Basic).', details: {} } });
  };
}
