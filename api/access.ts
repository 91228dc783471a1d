/**
 * Applying the access rules (shared/domain/access.ts) to one request: every route that reads or
 * changes an account's resource asks `authorize` with the resource's owner, and gets either the
 * access (a grant used is remembered for the audit) or the resource's own "does not exist" error.
 * The grants the caller's account holds are read once per request, and only when it reaches for
 * another account's resource.
 */
import type { Request } from 'express';
import type { ApiDeps } from './context.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import { accessTo, accountOf, roleAtLeast, type Access, type Grant, type Owner, type Principal, type Role } from '../shared/domain/access.js';
import type { DeploymentSpec } from '../shared/domain/types.js';

const receivedGrants = new WeakMap<Request, Promise<Grant[]>>();

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Error('No principal on a /v1 request: requirePrincipal must run first.');
  return req.principal;
}

/** The role this route needs (route-roles.ts has already checked the token's own role against it). */
function routeRole(req: Request): Role {
  const auth = req.routeDoc?.auth;
  return auth === 'viewer' || auth === 'deployer' ? auth : 'admin';
}

export async function grantsHeldBy(deps: ApiDeps, req: Request): Promise<Grant[]> {
  let grants = receivedGrants.get(req);
  if (!grants) {
    grants = deps.store.accounts.grantsReceived(principalOf(req).accountId);
    receivedGrants.set(req, grants);
  }
  return grants;
}

/** The caller's access to a resource, without refusing: undefined when it has none. */
export async function accessOf(deps: ApiDeps, req: Request, owner: Owner): Promise<Access | undefined> {
  const principal = principalOf(req);
  const grants = owner.accountId === principal.accountId ? [] : await grantsHeldBy(deps, req);
  return accessTo(principal, owner, grants, deps.now());
}

/**
 * Refuse unless the caller reaches the resource with the route's role (or `need`): no access at all
 * is the resource's own 404, so another account's ids cannot be probed; a grant of a smaller role
 * than the action needs is 403 (the resource was visible through it anyway).
 */
export async function authorize(deps: ApiDeps, req: Request, owner: Owner, notFound: () => NotFoundError, need: Role = routeRole(req)): Promise<Access> {
  const access = await accessOf(deps, req, owner);
  if (!access) throw notFound();
  if (!roleAtLeast(access.role, need)) {
    throw new ForbiddenError(`This needs the ${need} role; the grant gives ${access.role}.`, { required: need, role: access.role, grantId: access.grant?.grantId });
  }
  if (access.grant) noteGrantUsed(req, access.grant);
  return access;
}

export function noteGrantUsed(req: Request, grant: Grant): void {
  req.grantsUsed ??= [];
  if (!req.grantsUsed.some((g) => g.grantId === grant.grantId)) req.grantsUsed.push(grant);
}

/** A deployment's owner: its application's account (not its creator's), and its group for grants. */
export function deploymentOwner(spec: Pick<DeploymentSpec, 'accountId' | 'deploymentGroupId'>): Owner {
  return { accountId: accountOf(spec), deploymentGroupId: spec.deploymentGroupId };
}

/** Whether the caller may read a deployment (for lists and event streams, which filter instead of refusing). */
export async function canSee(deps: ApiDeps, req: Request, spec: Pick<DeploymentSpec, 'accountId' | 'deploymentGroupId'>): Promise<boolean> {
  return (await accessOf(deps, req, deploymentOwner(spec))) !== undefined;
}
