/** The access rules (shared/domain/access.ts) and the route-role check (api/middleware/route-roles.ts), without Redis. */
import { describe, expect, it } from 'vitest';
import { accessTo, grantIsLive, roleAtLeast, type Grant, type Principal, type Role } from '../../shared/domain/access.js';
import { compileRoutes, isOperator, roleAllows } from '../../api/middleware/route-roles.js';
import { ROUTE_DOCS } from '../../api/openapi-routes.js';

const now = new Date('2026-11-27T12:00:00Z');
const principal = (accountId: string, role: Role): Principal => ({ tokenId: `tok-${accountId}-${role}`, accountId, role });
const grant = (over: Partial<Grant> = {}): Grant => ({
  grantId: 'grant-0000000000000001',
  grantorAccountId: 'owner',
  granteeAccountId: 'guest',
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  deploymentGroupId: 'group-prod',
  role: 'deployer',
  createTime: '2026-11-01T00:00:00Z',
  createdBy: 'tok-owner-admin',
  ...over,
});

describe('roleAtLeast', () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'deployer', false],
    ['deployer', 'viewer', true],
    ['deployer', 'admin', false],
    ['admin', 'deployer', true],
  ] as const)('%s ≥ %s: %s', (have, need, expected) => {
    expect(roleAtLeast(have, need)).toBe(expected);
  });
});

describe('accessTo', () => {
  const group = { accountId: 'owner', deploymentGroupId: 'group-prod' };

  it("gives an account's own token its own role, grants or not", () => {
    expect(accessTo(principal('owner', 'viewer'), group, [], now)).toEqual({ role: 'viewer' });
    expect(accessTo(principal('owner', 'admin'), { accountId: 'owner' }, [grant()], now)).toEqual({ role: 'admin' });
  });

  it("gives another account nothing without a grant (the caller answers 404)", () => {
    expect(accessTo(principal('guest', 'admin'), group, [], now)).toBeUndefined();
  });

  it('reaches the granted group with the smaller of the grant and the token', () => {
    expect(accessTo(principal('guest', 'admin'), group, [grant()], now)).toMatchObject({ role: 'deployer', grant: { grantId: 'grant-0000000000000001' } });
    expect(accessTo(principal('guest', 'viewer'), group, [grant()], now)).toMatchObject({ role: 'viewer' });
    expect(accessTo(principal('guest', 'deployer'), group, [grant({ role: 'viewer' })], now)).toMatchObject({ role: 'viewer' });
  });

  it('does not reach another group, the bare application, or another grantor', () => {
    expect(accessTo(principal('guest', 'admin'), { accountId: 'owner', deploymentGroupId: 'group-staging' }, [grant()], now)).toBeUndefined();
    expect(accessTo(principal('guest', 'admin'), { accountId: 'owner' }, [grant()], now)).toBeUndefined();
    expect(accessTo(principal('guest', 'admin'), { accountId: 'third', deploymentGroupId: 'group-prod' }, [grant()], now)).toBeUndefined();
  });

  it('lets a grant on any group of an application reach its revision uploads', () => {
    expect(accessTo(principal('guest', 'deployer'), { accountId: 'owner', anyGroupOfApplication: 'shop' }, [grant()], now)).toMatchObject({ role: 'deployer' });
    expect(accessTo(principal('guest', 'deployer'), { accountId: 'owner', anyGroupOfApplication: 'other' }, [grant()], now)).toBeUndefined();
  });

  it('ignores a grant held by another account, and an expired one', () => {
    expect(accessTo(principal('third', 'admin'), group, [grant()], now)).toBeUndefined();
    const expired = grant({ expiresAt: '2026-11-27T11:59:59Z' });
    expect(grantIsLive(expired, now)).toBe(false);
    expect(accessTo(principal('guest', 'admin'), group, [expired], now)).toBeUndefined();
    expect(grantIsLive(grant({ expiresAt: '2026-11-27T12:00:01Z' }), now)).toBe(true);
  });

  it('takes the largest of several grants that reach the resource', () => {
    const grants = [grant({ grantId: 'grant-0000000000000002', role: 'viewer' }), grant()];
    expect(accessTo(principal('guest', 'admin'), group, grants, now)).toMatchObject({ role: 'deployer', grant: { grantId: 'grant-0000000000000001' } });
  });
});

describe('route roles', () => {
  it('lets the operator (an admin of the default account) and nobody else through operator routes', () => {
    expect(isOperator(principal('default', 'admin'))).toBe(true);
    expect(roleAllows(principal('default', 'admin'), 'operator')).toBe(true);
    expect(roleAllows(principal('default', 'deployer'), 'operator')).toBe(false);
    expect(roleAllows(principal('team-a', 'admin'), 'operator')).toBe(false);
  });

  it('never lets an api token through agent or webhook routes', () => {
    for (const auth of ['enroll', 'instance', 'signature'] as const) expect(roleAllows(principal('default', 'admin'), auth)).toBe(false);
  });

  it('finds the table entry of a request path, parameters filled in', () => {
    const find = compileRoutes(ROUTE_DOCS);
    expect(find('POST', '/v1/deployments/d-ABCDEFGHI/stop')?.auth).toBe('deployer');
    expect(find('GET', '/v1/deployments/d-ABCDEFGHI/stop')).toBeUndefined();
    expect(find('HEAD', '/v1/applications/shop')?.path).toBe('/v1/applications/:app');
    expect(find('PUT', '/v1/applications/shop/deployment-groups/prod')?.auth).toBe('admin');
    expect(find('GET', '/v1/nothing-here')).toBeUndefined();
  });
});
