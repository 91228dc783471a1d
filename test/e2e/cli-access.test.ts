/**
 * `cutover tokens`, `whoami`, `accounts` and `grants` run as a user runs them — a process per
 * command — against a real api: a token's secret is printed once and never listed, a viewer
 * token can read but not administer (403), a revoked token is refused (401), and an operator
 * creates an account that receives, lists and loses a grant on one deployment group.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { runCli, type CliResult } from '../helpers/cli.js';

let sys: TestSystem;
let home: string;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'cli-access' });
  home = await mkdtemp(path.join(os.tmpdir(), 'cutover-cli-access-'));
});

afterAll(async () => {
  await sys?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

/** `cutover <args>` with this token and no config file. */
function as(token: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { CUTOVER_CONFIG: path.join(home, 'none.json'), CUTOVER_API: sys.apiUrl, CUTOVER_TOKEN: token });
}

/** What the api itself answers to this token, to compare the CLI's words with. */
async function direct(token: string, method: string, route: string, body?: unknown): Promise<{ status: number; message?: string }> {
  const res = await fetch(`${sys.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  return { status: res.status, message: answer.error?.message };
}

const ok = (r: CliResult) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
const DAY = 86_400_000;

describe('cutover tokens and whoami', () => {
  it('a viewer token is shown once, listed without its secret, can read but not administer, and stops working when revoked', async () => {
    printLogsOnFailure();
    const before = Date.now();
    const created = await as(sys.adminToken, 'tokens', 'create', '--name', 'ci viewer', '--role', 'viewer', '--expires-in', '30d', '-o', 'json');
    ok(created);
    const viewer = JSON.parse(created.stdout) as { tokenId: string; token: string; name: string; role: string; accountId: string; expiresAt: string };
    expect(viewer).toMatchObject({ name: 'ci viewer', role: 'viewer', accountId: 'default' });
    expect(viewer.tokenId).toMatch(/^tok-/);
    expect(viewer.token.length).toBeGreaterThan(20);
    expect(Date.parse(viewer.expiresAt) - before).toBeGreaterThanOrEqual(30 * DAY - 1000);
    expect(Date.parse(viewer.expiresAt) - Date.now()).toBeLessThanOrEqual(30 * DAY + 1000);

    // In text the secret stands alone on its line, with the warning after it.
    const text = await as(sys.adminToken, 'tokens', 'create', '--name', 'deploys', '--role', 'deployer');
    ok(text);
    expect(text.stdout).toMatch(/^Created token tok-\S+ "deploys" \(deployer\) in account default, expires never\.$/m);
    expect(text.stdout).toContain('Store it now: this is the only time it is shown');
    const deployerSecret = /^ {2}(\S+)$/m.exec(text.stdout)?.[1];
    expect(deployerSecret).toBeDefined();

    const [listed, listedJson, me, meJson] = await Promise.all([
      as(sys.adminToken, 'tokens', 'list'),
      as(sys.adminToken, 'tokens', 'list', '-o', 'json'),
      as(viewer.token, 'whoami'),
      as(viewer.token, 'whoami', '-o', 'json'),
    ]);
    for (const r of [listed, listedJson, me, meJson]) ok(r);
    expect(listed.stdout).toMatch(/TOKEN\s+NAME\s+ROLE\s+CREATED\s+EXPIRES\s+STATE/);
    expect(listed.stdout).toMatch(new RegExp(`${viewer.tokenId}\\s+ci viewer\\s+viewer\\s+\\d+s ago\\s+in 30d\\s+active`));
    expect(listed.stdout).toMatch(/\s+deploys\s+deployer\s+\d+s ago\s+never\s+active/);
    for (const out of [listed.stdout, listedJson.stdout]) {
      expect(out).not.toContain(viewer.token);
      expect(out).not.toContain(deployerSecret);
    }
    const rows = (JSON.parse(listedJson.stdout) as { tokens: Record<string, unknown>[] }).tokens;
    expect(rows.find((t) => t.tokenId === viewer.tokenId)).toMatchObject({ name: 'ci viewer', role: 'viewer', expiresAt: viewer.expiresAt });
    expect(rows.every((t) => !('token' in t))).toBe(true);
    expect(me.stdout).toMatch(new RegExp(`^token\\s+${viewer.tokenId}$`, 'm'));
    expect(me.stdout).toMatch(/^account\s+default$/m);
    expect(me.stdout).toMatch(/^role\s+viewer$/m);
    expect(me.stdout).toMatch(/^operator\s+no$/m);
    expect(JSON.parse(meJson.stdout)).toEqual({ tokenId: viewer.tokenId, accountId: 'default', role: 'viewer', operator: false });

    // A viewer may not make tokens: exit 1 with the api's own 403 message.
    const refused = await as(viewer.token, 'tokens', 'create', '--name', 'escalate', '--role', 'admin');
    const forbidden = await direct(viewer.token, 'POST', '/v1/tokens', { name: 'escalate', role: 'admin' });
    expect(forbidden.status).toBe(403);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`error: ${forbidden.message}\n`);

    const revoked = await as(sys.adminToken, 'tokens', 'revoke', viewer.tokenId);
    ok(revoked);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked token ${viewer.tokenId} "ci viewer" \\(viewer\\) at \\S+\\.$`, 'm'));

    const [after, afterList, again] = await Promise.all([
      as(viewer.token, 'whoami'),
      as(sys.adminToken, 'tokens', 'list'),
      as(sys.adminToken, 'tokens', 'revoke', 'tok-doesnotexist'),
    ]);
    const unauthorized = await direct(viewer.token, 'GET', '/v1/whoami');
    expect(unauthorized.status).toBe(401);
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(`error: ${unauthorized.message}\n`);
    ok(afterList);
    expect(afterList.stdout).toMatch(new RegExp(`${viewer.tokenId}\\s+ci viewer\\s+viewer\\s+.*\\srevoked \\d+s ago`));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: /);
  });

  it('bad usage exits 2 before asking the api', async () => {
    const results = await Promise.all([
      as(sys.adminToken, 'tokens', 'create', '--name', 'x', '--role', 'viewer', '--expires-in', '3600'),
      as(sys.adminToken, 'tokens', 'create', '--name', 'x', '--role', 'owner'),
      as(sys.adminToken, 'tokens', 'create', '--role', 'viewer'),
      as(sys.adminToken, 'grants', 'create', '--app', 'a', '--group', 'g', '--to', 'b', '--role', 'admin'),
      as(sys.adminToken, 'grants', 'create', '--app', 'a', '--group', 'g', '--to', 'b', '--expires-in', '11y'),
      as(sys.adminToken, 'accounts', 'create'),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(2);
    expect(results[0].stderr).toContain('--expires-in 3600: give a unit, e.g. 3600s');
  });
});

describe('cutover accounts and grants', () => {
  it('the operator creates an account, grants it a deployment group, both sides list the grant, and deleting it ends it', async () => {
    printLogsOnFailure();
    await sys.rest.createApplication('shop');
    await sys.rest.createGroup('shop', 'prod', 'CodeDeployDefault.AllAtOnce', { app: 'shop' });

    const account = await as(sys.adminToken, 'accounts', 'create', 'team-b');
    ok(account);
    expect(account.stdout).toMatch(/^Created account team-b\.$/m);
    expect(account.stdout).toMatch(/^Created token tok-\S+ "[^"]*" \(admin\) in account team-b, expires never\.$/m);
    expect(account.stdout).toContain('Store it now');
    const teamB = /^ {2}(\S+)$/m.exec(account.stdout)?.[1] ?? '';
    expect(teamB).not.toBe('');

    const [accounts, me, notOperator, duplicate] = await Promise.all([
      as(sys.adminToken, 'accounts', 'list', '-o', 'json'),
      as(teamB, 'whoami', '-o', 'json'),
      as(teamB, 'accounts', 'create', 'team-c'),
      as(sys.adminToken, 'accounts', 'create', 'team-b'),
    ]);
    ok(accounts);
    expect((JSON.parse(accounts.stdout) as { accounts: { accountId: string }[] }).accounts.map((a) => a.accountId)).toContain('team-b');
    ok(me);
    expect(JSON.parse(me.stdout)).toMatchObject({ accountId: 'team-b', role: 'admin', operator: false });
    expect(notOperator.code).toBe(1);
    expect(notOperator.stderr).toBe(`error: ${(await direct(teamB, 'POST', '/v1/accounts', { accountId: 'team-c' })).message}\n`);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^error: /);

    const created = await as(sys.adminToken, 'grants', 'create', '--app', 'shop', '--group', 'prod', '--to', 'team-b', '--expires-in', '7d', '-o', 'json');
    ok(created);
    const grant = JSON.parse(created.stdout) as { grantId: string; expiresAt: string };
    expect(grant).toMatchObject({ grantorAccountId: 'default', granteeAccountId: 'team-b', applicationName: 'shop', deploymentGroupName: 'prod', role: 'deployer' });
    expect(grant.grantId).toMatch(/^grant-[a-f0-9]{16}$/);
    expect(Math.abs(Date.parse(grant.expiresAt) - (Date.now() + 7 * DAY))).toBeLessThan(60_000);
    const viewerGrant = await as(sys.adminToken, 'grants', 'create', '--app', 'shop', '--group', 'prod', '--to', 'team-b', '--role', 'viewer');
    ok(viewerGrant);
    expect(viewerGrant.stdout).toMatch(/^Granted team-b viewer on shop\/prod until deleted: grant-[a-f0-9]{16}$/m);

    const [given, received, receivedText] = await Promise.all([
      as(sys.adminToken, 'grants', 'list'),
      as(teamB, 'grants', 'list', '-o', 'json'),
      as(teamB, 'grants', 'list'),
    ]);
    for (const r of [given, received, receivedText]) ok(r);
    expect(given.stdout).toMatch(/^Given:$/m);
    expect(given.stdout).toMatch(/GRANT\s+TO\s+APP\/GROUP\s+ROLE\s+CREATED\s+EXPIRES\s+STATE/);
    expect(given.stdout).toMatch(new RegExp(`${grant.grantId}\\s+team-b\\s+shop/prod\\s+deployer\\s+\\d+s ago\\s+in 7d\\s+active`));
    expect(given.stdout).toMatch(/^Received:\n {2}none$/m);
    const lists = JSON.parse(received.stdout) as { given: { grantId: string }[]; received: { grantId: string }[] };
    expect(lists.given).toEqual([]);
    expect(lists.received.map((g) => g.grantId)).toContain(grant.grantId);
    expect(receivedText.stdout).toMatch(new RegExp(`${grant.grantId}\\s+default\\s+shop/prod\\s+deployer`));

    // Only the grantor may delete it.
    const notTheirs = await as(teamB, 'grants', 'delete', grant.grantId);
    expect(notTheirs.code).toBe(1);
    expect(notTheirs.stderr).toMatch(/^error: /);

    const deleted = await as(sys.adminToken, 'grants', 'delete', grant.grantId);
    ok(deleted);
    expect(deleted.stdout).toBe(`Deleted grant ${grant.grantId}: team-b no longer has deployer on shop/prod.\n`);
    const afterwards = await as(teamB, 'grants', 'list', '-o', 'json');
    ok(afterwards);
    expect((JSON.parse(afterwards.stdout) as { received: { grantId: string }[] }).received.map((g) => g.grantId)).not.toContain(grant.grantId);
  });
});
