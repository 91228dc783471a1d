/**
 * CORS, off unless CUTOVER_CORS_ORIGINS names origins: then those origins (exactly) may call the
 * API from a browser with a bearer token. No cookies are used, so credentials are never allowed.
 * A preflight from an allowed origin is answered here (204); any other origin gets no CORS
 * headers at all and the browser refuses the answer.
 */
import type { RequestHandler } from 'express';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
const EXPOSED_HEADERS = 'Retry-After, Content-Length';
const METHODS = 'GET, POST, PUT, DELETE';

export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    const origin = req.headers.origin;
    res.vary('Origin');
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
