/**
 * Accounts, tokens and grants (shared/domain/access.ts): who the caller is, the operator's
 * accounts, an account's own tokens, and the grants it gives and holds. Roles per route are in
 * the route table (api/openapi-routes.ts); here each handler keeps to the caller's account.
 */
import { Router } from 'express';
import { randomBytes } from 'node:crypto';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateAccountBody, CreateGrantBody, CreateTokenBody, expiryTime, GrantIdSchema, TokenIdSchema } from '../access-schemas.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import type { Grant } from '../../shared/domain/access.js';
import { principalOf } from '../access.js';
import { isOperator } from '../middleware/route-roles.js';
import { requireDeploymentGroup } from './deployment-groups.js';

/** Mounted on /v1. */
export function accessRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { store } = deps;

  router.get('/whoami', (req, res) => {
    const principal = principalOf(req);
    res.json({ ...principal, operator: isOperator(principal) });
  });

  router.post('/accounts', async (req, res) => {
    const { accountId } = parseInput(CreateAccountBody, req.body, 'account');
    const now = deps.now();
    const account = { accountId, createTime: now.toISOString() };
    const created = await store.tokens.createAccount(account, { name: 'first admin', createdBy: principalOf(req).tokenId, now });
    if (!created) throw new ConflictError('AccountAlreadyExistsException', `An account named ${accountId} already exists.`);
    res.status(201).json({ account, adminToken: { ...created.info, token: created.token } });
  });

  router.get('/accounts', async (_req, res) => {
    res.json({ accounts: await store.accounts.list() });
  });

  router.post('/tokens', async (req, res) => {
    const body = parseInput(CreateTokenBody, req.body, 'token');
    const principal = principalOf(req);
    const now = deps.now();
    const expiresAt = futureExpiry(body, now);
    const { token, info } = await store.tokens.create({ accountId: principal.accountId, name: body.name, role: body.role, expiresAt, createdBy: principal.tokenId, now });
    res.status(201).json({ ...info, token });
  });

  router.get('/tokens', async (req, res) => {
    res.json({ tokens: await store.tokens.list(principalOf(req).accountId) });
  });

  router.delete('/tokens/:tokenId', async (req, res) => {
    const parsed = TokenIdSchema.safeParse(req.params.tokenId);
    const revoked = parsed.success ? await store.tokens.revoke(principalOf(req).accountId, parsed.data, deps.now()) : undefined;
    if (!revoked) throw new NotFoundError('TokenDoesNotExistException', `This account has no token ${req.params.tokenId}.`);
    res.json(revoked);
  });

  /** Only the group's own account can grant it (requireDeploymentGroup: anyone else meets a 404; a grantee is not an admin of it). */
  router.post('/grants', async (req, res) => {
    const body = parseInput(CreateGrantBody, req.body, 'grant');
    const principal = principalOf(req);
    const group = await requireDeploymentGroup(deps, req, body.applicationName, body.deploymentGroupName);
    if (body.granteeAccountId === principal.accountId) {
      throw new InvalidInputError('ValidationException', 'An account cannot grant to itself: its own tokens already reach its groups.');
    }
    // An unknown grantee is a plain 404: account ids are not secret, and a typo should not silently grant nobody.
    if (!(await store.accounts.get(body.granteeAccountId))) {
      throw new NotFoundError('AccountDoesNotExistException', `No account named ${body.granteeAccountId}.`);
    }
    const now = deps.now();
    const expiresAt = futureExpiry(body, now);
    const grant: Grant = {
      grantId: `grant-${randomBytes(8).toString('hex')}`,
      grantorAccountId: principal.accountId,
      granteeAccountId: body.granteeAccountId,
      applicationName: group.applicationName,
      deploymentGroupName: group.deploymentGroupName,
      deploymentGroupId: group.deploymentGroupId,
      role: body.role,
      createTime: now.toISOString(),
      ...(expiresAt ? { expiresAt } : {}),
      createdBy: principal.tokenId,
    };
    await store.accounts.createGrant(grant);
    res.status(201).json(grant);
  });

  router.get('/grants', async (req, res) => {
    const { accountId } = principalOf(req);
    const [given, received] = await Promise.all([store.accounts.grantsGiven(accountId), store.accounts.grantsReceived(accountId)]);
    // A grant held shows who granted what, not which of the grantor's tokens did it.
    res.json({ given, received: received.map(({ createdBy: _grantorToken, ...grant }) => grant) });
  });

  /** Only the grantor deletes a grant; to its grantee, or anyone else, it does not exist. */
  router.delete('/grants/:grantId', async (req, res) => {
    const parsed = GrantIdSchema.safeParse(req.params.grantId);
    const grant = parsed.success ? await store.accounts.getGrant(parsed.data) : undefined;
    if (!grant || grant.grantorAccountId !== principalOf(req).accountId) {
      throw new NotFoundError('GrantDoesNotExistException', `This account gave no grant ${req.params.grantId}.`);
    }
    await store.accounts.deleteGrant(grant);
    res.json(grant);
  });

  return router;
}

/** An expiry in the past would make a token or grant that never works: refuse it instead. */
function futureExpiry(body: { expiresInSeconds?: number; expiresAt?: string }, now: Date): string | undefined {
  const expiresAt = expiryTime(body, now);
  if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
    throw new InvalidInputError('ValidationException', `expiresAt ${expiresAt} is not in the future.`, { issues: [{ path: 'expiresAt', message: 'not in the future' }] });
  }
  return expiresAt;
}
