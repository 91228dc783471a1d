/**
 * helmet's headers on every answer (nosniff, frame-ancestors none, no referrer leaks, HSTS behind
 * TLS, a Content-Security-Policy). The dashboard (api/routes/dashboard.ts) sets its own, stricter
 * CSP over this one. `upgrade-insecure-requests` is left out: on a plain-HTTP install it would
 * make browsers fetch the queue board's scripts over https and break it.
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    // The API is called cross-origin only when CORS allows it (api/edges/cors.ts); CORP would block nothing CORS allows.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}
