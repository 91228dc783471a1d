/**
 * Request deadlines. A request still unanswered after its deadline gets a JSON error and the
 * connection is closed (so a body still arriving stops):
 *   408 RequestTimeoutException     its body had not fully arrived (a slow or stalled client)
 *   503 ServiceUnavailableException the api took too long; the outcome is unknown, so retry
 *                                   (creates are idempotent with a clientToken, uploads by digest)
 * SSE streams and the agent's long poll have no deadline; bundle uploads have a longer one
 * (api/edges/route-kinds.ts). A handler that finishes later finds the answer sent and writes
 * nothing more to the client (api/middleware/errors.ts ignores errors once headers are sent).
 */
import type { RequestHandler } from 'express';
import { routeKind } from './route-kinds.js';

export function requestTimeouts(options: { requestMs: number; uploadMs: number }): RequestHandler {
  return (req, res, next) => {
    const kind = routeKind(req.method, req.path);
    if (kind === 'stream') return next();
    const ms = kind === 'upload' ? options.uploadMs : options.requestMs;
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const arriving = !req.complete;
      res.setHeader('Connection', 'close');
      if (!arriving) res.setHeader('Retry-After', '1');
      res.status(arriving ? 408 : 503).json({
        error: arriving
          ? { code: 'RequestTimeoutException', message: `The request body did not arrive within ${ms} ms.`, details: { timeoutMs: ms } }
          : { code: 'ServiceUnavailableException', message: `The request was not answered within ${ms} ms; its outcome is unknown, retry it.`, details: { timeoutMs: ms } },
      });
      req.log?.warn({ timeoutMs: ms, status: res.statusCode }, 'request timed out');
    }, ms);
    timer.unref();
    res.once('finish', () => clearTimeout(timer));
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
