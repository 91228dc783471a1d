/**
 * The role each /v1 route needs, read from the route table (api/openapi-routes.ts, field `auth`)
 * rather than repeated beside each handler: the document, the enforcement and the authorization
 * matrix test (test/e2e/authz-matrix.test.ts) cannot disagree. A request no table entry matches
 * needs an admin (it can only end in 404), so a route added without an entry fails closed.
 */
import type { RequestHandler } from 'express';
import { match } from 'path-to-regexp';
import { ForbiddenError } from '../../shared/errors.js';
import { DEFAULT_ACCOUNT, roleAtLeast, type Principal } from '../../shared/domain/access.js';
import type { RouteAuth, RouteDoc } from '../openapi.js';

/** The operator is an admin of the default account: it manages accounts and sees installation-wide records. */
export function isOperator(principal: Principal): boolean {
  return principal.accountId === DEFAULT_ACCOUNT && principal.role === 'admin';
}

/** Whether a principal's role satisfies a route's `auth`; agent and webhook routes never take api tokens. */
export function roleAllows(principal: Principal, auth: RouteAuth): boolean {
  switch (auth) {
    case 'none':
      return true;
    case 'viewer':
    case 'deployer':
    case 'admin':
      return roleAtLeast(principal.role, auth);
    case 'operator':
      return isOperator(principal);
    default:
      return false;
  }
}

interface CompiledRoute {
  doc: RouteDoc;
  matches: (path: string) => boolean;
}

export function compileRoutes(docs: readonly RouteDoc[]): (method: string, path: string) => RouteDoc | undefined {
  const compiled: CompiledRoute[] = docs.map((doc) => {
    const fn = match(doc.path, { decode: false });
    return { doc, matches: (path) => fn(path) !== false };
  });
  return (method, path) => {
    const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    return compiled.find((c) => c.doc.method === m && c.matches(path))?.doc;
  };
}

/** After requirePrincipal: find the request's route and refuse a role below it (403, which names no resource). */
export function requireRouteRole(docs: readonly RouteDoc[]): RequestHandler {
  const find = compileRoutes(docs);
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) throw new ForbiddenError('No principal.');
    const path = req.originalUrl.split('?')[0];
    const doc = find(req.method, path);
    req.routeDoc = doc;
    const needed: RouteAuth = doc && doc.auth !== 'none' ? doc.auth : 'admin';
    if (!roleAllows(principal, needed)) {
      throw new ForbiddenError(
        needed === 'operator'
          ? 'Only an admin of the default account (the operator) may do this.'
          : `This needs the ${needed} role; the token is a ${principal.role}.`,
        { required: needed, role: principal.role },
      );
    }
    next();
  };
}
