/**
 * The audit log end to end: a real api + workers process, accounts and tokens made through the
 * api, every write in the writer's account's log (and a grant's owner's), reads nowhere.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { TestSystem } from '../helpers/system.js';
import { RestClient } from '../helpers/rest-client.js';
import { until } from '../helpers/processes.js';
import { makeBundle } from '../helpers/bundles.js';
import { LocalRepo } from '../helpers/git-repo.js';

const GL_SECRET = randomBytes(20).toString('hex');
let sys: TestSystem;
let repo: LocalRepo;

beforeAll(async () => {
  repo = await LocalRepo.create();
  sys = await TestSystem.start({
    label: 'audit',
    env: { CUTOVER_WEBHOOK_SECRET_GL_AUDIT: GL_SECRET, CUTOVER_GIT_ALLOW_LOCAL: 'true', LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await sys?.stop();
  await repo?.remove();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

interface Account {
  accountId: string;
  admin: RestClient;
  adminTokenId: string;
  /** A token of another role in this account. */
  token(role: 'viewer' | 'deployer' | 'admin'): Promise<{ rest: RestClient; tokenId: string }>;
}

/** A fresh account (the operator makes it), so each test reads a log of its own. */
async function newAccount(label: string): Promise<Account> {
  const accountId = `${label}-${randomBytes(3).toString('hex')}`;
  const { adminToken } = await sys.rest.ok('POST', '/v1/accounts', { accountId });
  const admin = new RestClient(sys.apiUrl, adminToken.token);
  return {
    accountId,
    admin,
    adminTokenId: adminToken.tokenId,
    token: async (role) => {
      const made = await admin.ok('POST', '/v1/tokens', { name: `${role} of ${accountId}`, role });
      return { rest: new RestClient(sys.apiUrl, made.token), tokenId: made.tokenId };
    },
  };
}

/** The whole log, newest first, once it holds `count` entries (entries are written just after each answer). */
async function auditOf(admin: RestClient, count: number): Promise<any[]> {
  let seen: any[] = [];
  try {
    return await until(`${count} audit entries`, async () => {
      seen = (await admin.ok('GET', `/v1/audit?limit=1000`)).entries;
      return seen.length >= count ? seen : undefined;
    }, 10_000, 50);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the log holds ${JSON.stringify(seen.map((e) => [e.action, e.statusCode]))}`);
  }
}

describe('the audit log', () => {
  it('records a write once, with who, what, when and from where; reads of its own account are not recorded', async () => {
    printLogsOnFailure();
    const team = await newAccount('writer');
    const before = Date.now();
    await team.admin.createApplication('shop');
    await team.admin.ok('GET', '/v1/applications');
    await team.admin.ok('GET', '/v1/applications/shop');
    await team.admin.request('HEAD', '/v1/applications');
    const [entry, ...rest] = await auditOf(team.admin, 1);
    // The reads above (and the audit reads themselves) left nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rest).toEqual([]);
    expect((await team.admin.ok('GET', '/v1/audit')).entries).toHaveLength(1);
    expect(entry).toEqual({
      auditId: expect.stringMatching(/^\d+-\d+$/),
      time: expect.any(String),
      tokenId: team.adminTokenId,
      accountId: team.accountId,
      role: 'admin',
      action: 'POST /v1/applications',
      path: '/v1/applications',
      statusCode: 201,
      sourceIp: '127.0.0.1',
    });
    expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(entry.time)).toBeLessThanOrEqual(Date.now());
  });

  it('records refused writes with their status: invalid (400), role too small (403), conflicting (409)', async () => {
    printLogsOnFailure();
    const team = await newAccount('refused');
    const viewer = await team.token('viewer');
    expect((await team.admin.request('POST', '/v1/applications?dryRun=1', { nom: 'x' })).status).toBe(400);
    expect((await viewer.rest.request('POST', '/v1/applications', { name: 'nope' })).status).toBe(403);
    await team.admin.createApplication('twice');
    expect((await team.admin.request('POST', '/v1/applications', { name: 'twice' })).status).toBe(409);
    // The token creation, then the four attempts; newest first.
    const entries = await auditOf(team.admin, 5);
    expect(entries.map((e) => [e.action, e.statusCode, e.tokenId])).toEqual([
      ['POST /v1/applications', 409, team.adminTokenId],
      ['POST /v1/applications', 201, team.adminTokenId],
      ['POST /v1/applications', 403, viewer.tokenId],
      ['POST /v1/applications', 400, team.adminTokenId],
      ['POST /v1/tokens', 201, team.adminTokenId],
    ]);
    expect(entries[2].role).toBe('viewer');
    // The path is recorded without its query string.
    expect(entries[3].path).toBe('/v1/applications');
  });

  it('pages newest first with limit and before, until nextBefore is absent', async () => {
    printLogsOnFailure();
    const team = await newAccount('pages');
    for (let i = 1; i <= 5; i++) await team.admin.createApplication(`app-${i}`);
    await auditOf(team.admin, 5);
    const paths: string[] = [];
    let before: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await team.admin.ok('GET', `/v1/audit?limit=2${before ? `&before=${before}` : ''}`);
      sizes.push(page.entries.length);
      paths.push(...page.entries.map((e: any) => e.auditId));
      before = page.nextBefore;
    } while (before);
    expect(sizes).toEqual([2, 2, 1]);
    const all = (await team.admin.ok('GET', '/v1/audit')).entries.map((e: any) => e.auditId);
    expect(paths).toEqual(all);
    expect([...all].sort().reverse()).toEqual(all);
    expect((await team.admin.request('GET', '/v1/audit?limit=0')).status).toBe(400);
    expect((await team.admin.request('GET', '/v1/audit?before=yesterday')).status).toBe(400);
    expect((await team.admin.request('GET', '/v1/audit?accountId=default')).status).toBe(400);
  });

  it("shows an account only its own log; viewers and deployers may not read it", async () => {
    printLogsOnFailure();
    const mine = await newAccount('mine');
    const other = await newAccount('other');
    await mine.admin.createApplication('private-app');
    await other.admin.createApplication('their-app');
    const myEntries = await auditOf(mine.admin, 1);
    const theirEntries = await auditOf(other.admin, 1);
    expect(myEntries.map((e) => e.accountId)).toEqual([mine.accountId]);
    expect(theirEntries.map((e) => e.accountId)).toEqual([other.accountId]);
    // The operator (the default account's admin) sees the accounts it created, not what they did.
    const operators = (await sys.rest.ok('GET', '/v1/audit?limit=1000')).entries as any[];
    expect(operators.some((e) => e.accountId === mine.accountId || e.accountId === other.accountId)).toBe(false);
    expect(operators.filter((e) => e.action === 'POST /v1/accounts').length).toBeGreaterThanOrEqual(2);
    for (const role of ['viewer', 'deployer'] as const) {
      const { rest } = await mine.token(role);
      const answer = await rest.request('GET', '/v1/audit');
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).not.toContain('private-app');
    }
  });

  it("records a deployment made through a grant in the deployer's log and the owner's", async () => {
    printLogsOnFailure();
    const owner = await newAccount('owner');
    const deployerTeam = await newAccount('guest');
    await owner.admin.createApplication('shared');
    await owner.admin.createGroup('shared', 'prod', 'CodeDeployDefault.AllAtOnce', { role: 'nobody-has-this' });
    const digest = await owner.admin.upload('shared', await makeBundle({ files: { 'index.html': 'hi\n' } }));
    const grant = await owner.admin.ok('POST', '/v1/grants', { applicationName: 'shared', deploymentGroupName: 'prod', granteeAccountId: deployerTeam.accountId, role: 'deployer' });
    const guest = await deployerTeam.token('deployer');
    const deploymentId = await guest.rest.deploy('shared', 'prod', digest);
    expect(deploymentId).toMatch(/^d-/);

    const guestLog = await auditOf(deployerTeam.admin, 2);
    const used = guestLog.find((e) => e.action === 'POST /v1/deployments');
    expect(used).toMatchObject({
      tokenId: guest.tokenId,
      accountId: deployerTeam.accountId,
      role: 'deployer',
      path: '/v1/deployments',
      statusCode: 201,
      grantId: grant.grantId,
      onAccountId: owner.accountId,
    });
    // Owner: application, group, upload, grant, then the guest's deployment.
    const ownerLog = await auditOf(owner.admin, 5);
    expect(ownerLog[0]).toMatchObject({
      tokenId: guest.tokenId,
      accountId: deployerTeam.accountId,
      action: 'POST /v1/deployments',
      statusCode: 201,
      grantId: grant.grantId,
      onAccountId: deployerTeam.accountId,
      sourceIp: '127.0.0.1',
    });
    expect(ownerLog[0].time).toBe(used.time);
    expect(ownerLog.slice(1).map((e) => e.action)).toEqual([
      'POST /v1/grants',
      'POST /v1/applications/:app/revisions',
      'POST /v1/applications/:app/deployment-groups',
      'POST /v1/applications',
    ]);

    // A read through the grant is a use of it too: in both logs. A list that merely includes the
    // granted deployments uses none.
    await guest.rest.ok('GET', '/v1/deployments');
    await guest.rest.ok('GET', `/v1/deployments/${deploymentId}`);
    const afterRead = await auditOf(owner.admin, 6);
    expect(afterRead[0]).toMatchObject({ tokenId: guest.tokenId, action: 'GET /v1/deployments/:id', statusCode: 200, grantId: grant.grantId, onAccountId: deployerTeam.accountId });
    expect(afterRead[1].action).toBe('POST /v1/deployments');
    expect((await auditOf(deployerTeam.admin, 3))[0]).toMatchObject({ action: 'GET /v1/deployments/:id', grantId: grant.grantId, onAccountId: owner.accountId });
  });

  it("records a host registered with an account's enrollment token in that account's log", async () => {
    printLogsOnFailure();
    const team = await newAccount('enroll');
    const enroll = await team.admin.ok('POST', '/v1/tokens', { name: 'fleet enrollment', role: 'enroll' });
    const name = `audit-host-${randomBytes(3).toString('hex')}`;
    const answer = await fetch(`${sys.apiUrl}/agent/v1/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enroll.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, tags: { app: 'audit' } }),
    });
    expect(answer.status).toBe(201);
    const log = await auditOf(team.admin, 2);
    expect(log[0]).toMatchObject({
      tokenId: enroll.tokenId,
      accountId: team.accountId,
      role: 'enroll',
      action: 'POST /agent/v1/register',
      path: `/agent/v1/register (${name})`,
      statusCode: 201,
      sourceIp: '127.0.0.1',
    });
    expect(log[1].action).toBe('POST /v1/tokens');
  });

  it("records a git-host push in the owning account's log: the delivery and the deployment it made", async () => {
    printLogsOnFailure();
    const owner = await newAccount('pushes');
    const commit = await repo.commit('main', 'Version one', { 'appspec.yml': 'version: 0.0\nos: linux\n', 'VERSION': 'one\n' });
    await owner.admin.createApplication('site');
    await owner.admin.ok('POST', '/v1/applications/site/deployment-groups', {
      name: 'from-gitlab',
      instanceTagFilters: [{ key: 'role', value: 'nobody-has-this' }],
      gitSource: { provider: 'GitLab', repository: 'group/site', branch: 'main', secretRef: 'gl-audit', cloneUrl: repo.dir },
    });
    const uuid = randomUUID();
    const answer = await fetch(`${sys.apiUrl}/webhooks/gitlab`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': GL_SECRET, 'x-gitlab-event-uuid': uuid },
      body: JSON.stringify({
        object_kind: 'push',
        ref: 'refs/heads/main',
        checkout_sha: commit,
        after: commit,
        user_username: 'jsmith',
        project: { path_with_namespace: 'group/site', git_http_url: 'https://gitlab.example.test/group/site.git' },
        commits: [{ id: commit, message: 'Version one\n' }],
        repository: { name: 'site' },
      }),
    });
    expect(answer.status).toBe(202);
    const entries = await auditOf(owner.admin, 4);
    const [created, delivered] = entries;
    expect(delivered).toMatchObject({
      tokenId: 'webhook:gitlab',
      accountId: owner.accountId,
      action: 'POST /webhooks/gitlab',
      path: '/webhooks/gitlab',
      statusCode: 202,
      sourceIp: '127.0.0.1',
      deliveryId: uuid,
    });
    expect(created).toMatchObject({
      tokenId: 'webhook:gitlab',
      accountId: owner.accountId,
      action: 'CreateDeployment',
      statusCode: 201,
      sourceIp: 'revision-worker',
      deploymentId: expect.stringMatching(/^d-/),
    });
    expect(created.path).toBe(`/v1/deployments/${created.deploymentId}`);
    expect((await owner.admin.deployment(created.deploymentId)).creator).toBe('GitLab');
  });
});
