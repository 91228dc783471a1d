/**
 * GET /v1/audit: the caller's account's audit log, newest first, a page at a time
 * (`?limit=`, `?before=<nextBefore of the previous page>`). Only ever the caller's own account:
 * another account's entries are in that account's log. The role (admin) is checked by the
 * route-roles middleware from api/openapi-routes.ts.
 */
import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { AuditQuery } from '../access-schemas.js';
import { parseInput } from '../validate.js';
import { UnauthorizedError } from '../../shared/errors.js';

/** Mounted at /v1/audit. */
export function auditRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    if (!req.principal) throw new UnauthorizedError();
    const query = parseInput(AuditQuery, req.query, 'audit query');
    res.json(await deps.store.audit.list(req.principal.accountId, query));
  });
  return router;
}
