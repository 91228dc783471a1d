/**
 * The web dashboard at `/`: static files built from web/ (api/dashboard-build.ts), made on the
 * first request for them and then served from disk. Only `/`, `/index.html` and `/assets/*` are
 * answered here; the dashboard routes on the URL's hash, so every other path is left to the API
 * (and its JSON 404). It is a middleware, not a route: it is no part of the REST API that
 * api/openapi-routes.ts describes. The page holds no secret: it asks for an API token and keeps
 * it in sessionStorage, and its strict Content-Security-Policy keeps other scripts from reading it.
 */
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import type { Logger } from '../../shared/logger.js';
import { buildDashboard, DashboardBuildError } from '../dashboard-build.js';

/** After a failed build, requests answer 503 this long before the next try. */
const RETRY_AFTER_MS = 10_000;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

function isDashboardPath(p: string): boolean {
  return p === '/' || p === '/index.html' || p.startsWith('/assets/');
}

export function dashboardRoutes(log: Logger): RequestHandler {
  let serving: Promise<RequestHandler> | undefined;
  let failedAt = 0;

  const load = async (): Promise<RequestHandler> => {
    const started = Date.now();
    const { dir, built } = await buildDashboard();
    if (built) log.info({ dir, ms: Date.now() - started }, 'dashboard built');
    return express.static(dir, {
      index: 'index.html',
      fallthrough: true,
      redirect: false,
      setHeaders: (res, file) => {
        res.set(SECURITY_HEADERS);
        // Vite names assets by their content; the page itself must always be asked for again.
        const asset = path.relative(dir, file).startsWith(`assets${path.sep}`);
        res.set('Cache-Control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  };

  return async (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isDashboardPath(req.path)) return next();
    if (!serving && Date.now() - failedAt < RETRY_AFTER_MS) {
      res.status(503).set('Retry-After', '10').type('text/plain').send('The dashboard could not be built; see the api log. Retrying shortly.\n');
      return;
    }
    serving ??= load().catch((err: unknown) => {
      serving = undefined;
      failedAt = Date.now();
      log.error({ err, output: err instanceof DashboardBuildError ? err.output : undefined }, 'dashboard build failed');
      throw err;
    });
    let serve: RequestHandler;
    try {
      serve = await serving;
    } catch {
      res.status(503).set('Retry-After', '10').type('text/plain').send('The dashboard could not be built; see the api log.\n');
      return;
    }
    return serve(req, res, next);
  };
}
