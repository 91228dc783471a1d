/**
 * Who may do what: accounts own every resource, api tokens carry a role, and a grant lets another
 * account act on one deployment group. Pure rules; the api applies them (api/access.ts) to what it
 * read from the store.
 *
 * A resource another account owns, with no grant that reaches it, is *not found* (404) rather than
 * forbidden (403), so its name or id cannot be probed. A role too small for the route is 403: that
 * says nothing about any resource.
 */

/** The account the bootstrap tokens belong to, and the owner of anything written before accounts existed. */
export const DEFAULT_ACCOUNT = 'default';

/** The owning account of a record; absent (written before accounts existed): DEFAULT_ACCOUNT. */
export function accountOf(record: { accountId?: string } | undefined): string {
  return record?.accountId ?? DEFAULT_ACCOUNT;
}

export const ROLES = ['viewer', 'deployer', 'admin'] as const;
/** viewer: read. deployer: read, upload revisions, create/stop/continue/roll back deployments. admin: everything in its account. */
export type Role = (typeof ROLES)[number];

/** What a grant can hand over: never admin. */
export const GRANT_ROLES = ['viewer', 'deployer'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

/** Who makes an api request: resolved from its bearer token. */
export interface Principal {
  tokenId: string;
  accountId: string;
  role: Role;
}

/** Account B (grantor) lets account A (grantee) act on one of B's deployment groups with a role. */
export interface Grant {
  grantId: string;
  grantorAccountId: string;
  granteeAccountId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  role: GrantRole;
  createTime: string;
  /** ISO time after which the grant no longer works; none: until deleted. */
  expiresAt?: string;
  /** The token id that created it. */
  createdBy: string;
}

/** A resource's owner, and the group it belongs to where a grant can reach it. */
export interface Owner {
  accountId: string;
  /** Set for a deployment group, its deployments, and (with `anyGroupOf`) revision uploads. */
  deploymentGroupId?: string;
  /** An application's revisions: any group of this application granted reaches them. */
  anyGroupOfApplication?: string;
}

export interface Access {
  /** The role the principal holds on this resource. */
  role: Role;
  /** Set when the access comes from another account's grant (audited on both sides). */
  grant?: Grant;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

function smaller(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}

export function grantIsLive(grant: Grant, now: Date): boolean {
  return grant.expiresAt === undefined || Date.parse(grant.expiresAt) > now.getTime();
}

/**
 * The principal's access to a resource, or undefined when it has none (answer 404). Its own
 * account: its token's role. Another account's: the largest live grant to the principal's account
 * that reaches the resource, capped by the token's own role (a viewer token stays a viewer).
 */
export function accessTo(principal: Principal, owner: Owner, grants: readonly Grant[], now: Date): Access | undefined {
  if (owner.accountId === principal.accountId) return { role: principal.role };
  let best: Access | undefined;
  for (const grant of grants) {
    if (grant.granteeAccountId !== principal.accountId || grant.grantorAccountId !== owner.accountId) continue;
    if (!grantIsLive(grant, now)) continue;
    const reaches =
      (owner.deploymentGroupId !== undefined && grant.deploymentGroupId === owner.deploymentGroupId) ||
      (owner.anyGroupOfApplication !== undefined && grant.applicationName === owner.anyGroupOfApplication);
    if (!reaches) continue;
    const role = smaller(grant.role, principal.role);
    if (!best || roleAtLeast(role, best.role)) best = { role, grant };
  }
  return best;
}
