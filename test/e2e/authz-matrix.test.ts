/**
 * The authorization matrix (issue 9): every route of api/openapi-routes.ts × every kind of caller,
 * each answer compared with a status computed from the route's `auth` and `scope` alone
 * (`expectedStatus` below). A route needs an example here, keyed `METHOD /path` as Express mounts
 * it: a route added without one fails this file, and so does an example for a route that is gone.
 *
 * Each example is a factory called once per caller, so a destructive request (revoke a token,
 * delete a grant, deregister an instance, stop a deployment) gets a fixture of its own. The world
 * is test/helpers/authz-world.ts: account B = `default` (the operator) with everything, account A
 * with a deployer grant on B's group G, account C with nothing.
 *
 * The callers are the issue's nine plus one: A's admin holds the grant too (a grant is given to an
 * account, and a token's reach through it is the smaller of the grant's role and its own), so a
 * third account's admin, C, is the caller that no grant reaches at all.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ROUTE_DOCS } from '../../api/openapi-routes.js';
import type { RouteDoc } from '../../api/openapi.js';
import type { GrantRole, Role } from '../../shared/domain/access.js';
import { TestSystem } from '../helpers/system.js';
import { buildWorld, send, WORLD_ENV, type AccountLabel, type Call, type Principal, type Reply, type World } from '../helpers/authz-world.js';

interface Request {
  /** Path parameters, by their `:name` in the route's path. */
  params?: Record<string, string>;
  query?: string;
  json?: unknown;
  raw?: Call['raw'];
  headers?: Record<string, string>;
}

interface Example {
  /** Which variant, when a route has several (G / H). */
  note?: string;
  /** `group`, `deployment`, `revisions` routes: whether the request reaches B's group G, which account A holds a grant on. */
  reachesGrant?: boolean;
  /** The authorized outcome, when the documented 2xx needs state this world cannot cheaply make. Never 401, 403 or 404. */
  authorized?: { status: number; why: string };
  make(w: World): Request | Promise<Request>;
}

/** The grants in the world: account A holds a deployer grant on B's group G. */
const GRANTS: Partial<Record<AccountLabel, GrantRole>> = { A: 'deployer' };
const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/**
 * The status a caller must get. The rules, in the order the api applies them:
 *  1. `none`: the route's success, whoever asks.
 *  2. `signature`, `enroll`, `instance` (git hosts, agents): 401 to every api token and to no token.
 *  3. No token, an unknown, expired or revoked one: 401.
 *  4. A role below the route's: 403, in any account (viewer < deployer < admin). `operator` is
 *     an admin of account `default` (B) only: any other caller is 403.
 *  5. B's own callers: success.
 *  6. Another account's callers, by the route's scope:
 *     - `account`: success, in their own account (the lists are checked for B's names elsewhere);
 *     - `group`, `deployment`, `revisions`: reached only through a grant on the group the request
 *       targets (G); then the caller's role there is the smaller of the grant's and its token's:
 *       success if that is enough, 403 if not (the grant already shows the group exists); no
 *       grant reaches it: 404;
 *     - `application`, `instance`, `config`, `token`, `grant`: 404, never 403 (another account's
 *       resource is not found, so its name cannot be probed);
 *     - `system`: only operator routes have it, refused at rule 4.
 * Success is the route's documented status, or the status the example lists as its authorized outcome.
 */
export function expectedStatus(route: Pick<RouteDoc, 'auth' | 'scope' | 'response'>, example: Pick<Example, 'reachesGrant' | 'authorized'>, who: Principal['who']): number {
  const success = example.authorized?.status ?? route.response.status ?? 200;
  if (route.auth === 'none') return success;
  if (route.auth === 'signature' || route.auth === 'enroll' || route.auth === 'instance') return 401;
  if (!who) return 401;
  const need: Role = route.auth === 'operator' ? 'admin' : route.auth;
  if (RANK[who.role] < RANK[need]) return 403;
  if (route.auth === 'operator' && who.account !== 'B') return 403;
  if (who.account === 'B') return success;
  switch (route.scope) {
    case 'account':
      return success;
    case 'group':
    case 'deployment':
    case 'revisions': {
      const grant = example.reachesGrant ? GRANTS[who.account] : undefined;
      if (!grant) return 404;
      return Math.min(RANK[grant], RANK[who.role]) >= RANK[need] ? success : 403;
    }
    case 'system':
      throw new Error(`a ${route.auth} route of scope system that another account passes: give it a rule`);
    default:
      return 404;
  }
}

const gzip = async (w: World): Promise<Call['raw']> => ({ body: await w.fresh.bundle(), contentType: 'application/gzip' });
const deploy = (w: World, group: string) => ({ applicationName: w.b.app, deploymentGroupName: group, revision: { revisionType: 'Bundle', digest: w.b.digest } });

/** One example per route (or one per variant), keyed `METHOD /path` as in api/openapi-routes.ts. */
const EXAMPLES: Record<string, Example | Example[]> = {
  'GET /healthz': { make: () => ({}) },
  'GET /metrics': { make: () => ({}) },
  'GET /v1/openapi.json': { make: () => ({}) },

  'POST /v1/applications': { make: (w) => ({ json: { name: w.fresh.name('app') } }) },
  'GET /v1/applications': { make: () => ({}) },
  'GET /v1/applications/:app': { make: (w) => ({ params: { app: w.b.app } }) },
  'POST /v1/deployment-configs': { make: (w) => ({ json: { name: w.fresh.name('config'), minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } } }) },
  'GET /v1/deployment-configs': { make: () => ({}) },
  'GET /v1/deployment-configs/:name': { make: (w) => ({ params: { name: w.b.config } }) },
  'POST /v1/applications/:app/deployment-groups': {
    make: (w) => ({ params: { app: w.b.app }, json: { name: w.fresh.name('group'), deploymentConfigName: 'CodeDeployDefault.AllAtOnce' } }),
  },
  'GET /v1/applications/:app/deployment-groups': { make: (w) => ({ params: { app: w.b.app } }) },
  'GET /v1/applications/:app/deployment-groups/:group': [
    { note: 'G', reachesGrant: true, make: (w) => ({ params: { app: w.b.app, group: w.b.groupG } }) },
    { note: 'H', make: (w) => ({ params: { app: w.b.app, group: w.b.groupH } }) },
  ],
  'PUT /v1/applications/:app/deployment-groups/:group': {
    reachesGrant: true,
    make: (w) => ({ params: { app: w.b.app, group: w.b.groupG }, json: { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' } }),
  },
  'GET /v1/applications/:app/deployment-groups/:group/instances': [
    { note: 'G', reachesGrant: true, make: (w) => ({ params: { app: w.b.app, group: w.b.groupG } }) },
    { note: 'H', make: (w) => ({ params: { app: w.b.app, group: w.b.groupH } }) },
  ],
  'POST /v1/applications/:app/deployment-groups/:group/triggers/:name/test': {
    reachesGrant: true,
    make: (w) => ({ params: { app: w.b.app, group: w.b.groupG, name: w.b.trigger } }),
  },
  'POST /v1/applications/:app/revisions': [
    { note: "G's application", reachesGrant: true, make: async (w) => ({ params: { app: w.b.app }, raw: await gzip(w) }) },
    { note: 'an application no grant reaches', make: async (w) => ({ params: { app: w.b.app2 }, raw: await gzip(w) }) },
  ],
  'GET /v1/applications/:app/revisions': { make: (w) => ({ params: { app: w.b.app } }) },

  'POST /v1/deployments': [
    { note: 'G', reachesGrant: true, make: (w) => ({ json: deploy(w, w.b.groupG) }) },
    { note: 'H', make: (w) => ({ json: deploy(w, w.b.groupH) }) },
  ],
  'GET /v1/deployments': { make: () => ({}) },
  'GET /v1/deployments/:id': [
    { note: 'on G', reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG } }) },
    { note: 'on H', make: (w) => ({ params: { id: w.b.deploymentH } }) },
  ],
  'POST /v1/deployments/:id/continue': {
    reachesGrant: true,
    authorized: { status: 400, why: 'only a blue/green deployment waits; the fixture is in place (UnsupportedActionForDeploymentTypeException)' },
    make: (w) => ({ params: { id: w.b.deploymentG }, json: { deploymentWaitType: 'READY_WAIT' } }),
  },
  'POST /v1/deployments/:id/stop': { reachesGrant: true, make: async (w) => ({ params: { id: await w.fresh.deploymentOnG() }, json: {} }) },
  'POST /v1/deployments/:id/rollback': {
    reachesGrant: true,
    authorized: { status: 409, why: 'the fixture never finishes and nothing succeeded on G before it' },
    make: (w) => ({ params: { id: w.b.deploymentG }, json: {} }),
  },
  'GET /v1/deployments/:id/targets': { reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG } }) },
  'GET /v1/deployments/:id/targets/:instanceId': { reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG, instanceId: w.b.instance } }) },
  'GET /v1/deployments/:id/targets/:instanceId/logs': { reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG, instanceId: w.b.instance } }) },
  'GET /v1/deployments/:id/notifications': { make: (w) => ({ params: { id: w.b.deploymentH } }) },

  'GET /v1/events': { make: () => ({}) },
  'GET /v1/deployments/:id/events': [
    { note: 'on G', reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG } }) },
    { note: 'on H', make: (w) => ({ params: { id: w.b.deploymentH } }) },
  ],
  'GET /v1/deployments/:id/logs': { reachesGrant: true, make: (w) => ({ params: { id: w.b.deploymentG } }) },

  'GET /v1/instances': { make: () => ({}) },
  'GET /v1/instances/:name': { make: (w) => ({ params: { name: w.b.instance } }) },
  'DELETE /v1/instances/:name': { make: async (w) => ({ params: { name: await w.fresh.instance() } }) },

  'POST /webhooks/github': {
    make: (w) => ({ json: { zen: 'unsigned', hook_id: 2 }, headers: { 'x-github-event': 'ping', 'x-github-delivery': w.fresh.name('delivery') } }),
  },
  'POST /webhooks/gitlab': { make: () => ({ json: { object_kind: 'push' }, headers: { 'x-gitlab-event': 'Push Hook' } }) },
  'GET /v1/webhook-deliveries': { make: () => ({}) },
  'GET /v1/webhook-deliveries/:provider/:deliveryId': { make: (w) => ({ params: { provider: 'github', deliveryId: w.b.deliveryId } }) },

  'GET /v1/whoami': { make: () => ({}) },
  'POST /v1/accounts': { make: (w) => ({ json: { accountId: w.fresh.name('acct') } }) },
  'GET /v1/accounts': { make: () => ({}) },
  'POST /v1/tokens': { make: (w) => ({ json: { name: w.fresh.name('matrix token'), role: 'viewer' } }) },
  'GET /v1/tokens': { make: () => ({}) },
  'DELETE /v1/tokens/:tokenId': { make: async (w) => ({ params: { tokenId: await w.fresh.tokenId() } }) },
  'POST /v1/grants': {
    note: 'a group no grant reaches',
    make: async (w) => ({ json: { applicationName: w.b.app, deploymentGroupName: await w.fresh.group(), granteeAccountId: w.a.accountId, role: 'viewer' } }),
  },
  'GET /v1/grants': { make: () => ({}) },
  'DELETE /v1/grants/:grantId': { make: async (w) => ({ params: { grantId: await w.fresh.grantId() } }) },
  'GET /v1/audit': { make: () => ({ query: 'limit=50' }) },

  'POST /agent/v1/register': { make: (w) => ({ json: { name: w.fresh.name('matrix-host'), tags: { role: 'authz' } } }) },
  'POST /agent/v1/poll': { make: () => ({ json: { waitMs: 0 } }) },
  'POST /agent/v1/commands/:id/report': { make: () => ({ params: { id: 'cmd-authz-1' }, json: { events: [] } }) },
  'GET /agent/v1/bundles/:digest': { make: (w) => ({ params: { digest: w.b.digest } }) },
};

const keyOf = (route: Pick<RouteDoc, 'method' | 'path'>) => `${route.method.toUpperCase()} ${route.path}`;
const examplesOf = (route: RouteDoc): Example[] => [EXAMPLES[keyOf(route)] ?? []].flat();

function pathOf(route: RouteDoc, request: Request): string {
  const filled = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new Error(`${keyOf(route)}: the example gives no :${name}`);
    return encodeURIComponent(value);
  });
  return request.query ? `${filled}?${request.query}` : filled;
}

describe('the matrix table', () => {
  it('has exactly one entry per route of the route table', () => {
    const routes = new Set(ROUTE_DOCS.map(keyOf));
    const missing = [...routes].filter((key) => !(key in EXAMPLES));
    const stale = Object.keys(EXAMPLES).filter((key) => !routes.has(key));
    expect({ missing, stale }, 'every route needs an example here (and no example may name a route that is gone)').toEqual({ missing: [], stale: [] });
  });

  it('lists only authorized outcomes that say the caller was let in', () => {
    const bad = Object.entries(EXAMPLES).flatMap(([key, e]) => [e].flat().filter((x) => x.authorized && [401, 403, 404].includes(x.authorized.status)).map(() => key));
    expect(bad).toEqual([]);
  });

  it('computes the rules it documents', () => {
    const doc = (auth: RouteDoc['auth'], scope: RouteDoc['scope'], status?: number) => ({ auth, scope, response: { status, description: '' } });
    const aAdmin = { account: 'A', role: 'admin' } as const;
    const aDeployer = { account: 'A', role: 'deployer' } as const;
    const cAdmin = { account: 'C', role: 'admin' } as const;
    expect(expectedStatus(doc('none', 'system'), {}, undefined)).toBe(200);
    expect(expectedStatus(doc('instance', 'system'), {}, { account: 'B', role: 'admin' })).toBe(401);
    expect(expectedStatus(doc('viewer', 'account'), {}, undefined)).toBe(401);
    expect(expectedStatus(doc('operator', 'system'), {}, aAdmin)).toBe(403);
    expect(expectedStatus(doc('operator', 'system', 201), {}, { account: 'B', role: 'admin' })).toBe(201);
    expect(expectedStatus(doc('admin', 'group'), { reachesGrant: true }, aDeployer)).toBe(403);
    expect(expectedStatus(doc('admin', 'group'), { reachesGrant: true }, aAdmin)).toBe(403);
    expect(expectedStatus(doc('deployer', 'deployment'), { reachesGrant: true }, aDeployer)).toBe(200);
    expect(expectedStatus(doc('deployer', 'deployment'), { reachesGrant: true }, cAdmin)).toBe(404);
    expect(expectedStatus(doc('deployer', 'deployment'), { reachesGrant: false }, aDeployer)).toBe(404);
    expect(expectedStatus(doc('viewer', 'application'), { reachesGrant: true }, aDeployer)).toBe(404);
    expect(expectedStatus(doc('admin', 'account', 201), {}, cAdmin)).toBe(201);
    expect(expectedStatus(doc('deployer', 'deployment'), { authorized: { status: 409, why: '' } }, { account: 'B', role: 'deployer' })).toBe(409);
  });
});

describe('every route × every caller', () => {
  let sys: TestSystem;
  let w: World;
  let builtMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    sys = await TestSystem.start({ label: 'authz', split: true, env: WORLD_ENV });
    w = await buildWorld(sys);
    builtMs = Date.now() - t0;
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
  });

  /**
   * What of B's an answer of A's or C's own account shows that it should not. The audit log echoes
   * each request's path as the caller sent it (the matrix's own requests name B's resources), so
   * there: every entry must be the caller's account's, and its other fields are searched.
   */
  function leaksIn(route: RouteDoc, reply: Reply, account: AccountLabel): string[] {
    let text = reply.text;
    const found: string[] = [];
    if (keyOf(route) === 'GET /v1/audit') {
      const own = account === 'A' ? w.a.accountId : w.c.accountId;
      const entries = (JSON.parse(text) as { entries: Record<string, unknown>[] }).entries;
      found.push(...entries.filter((e) => e.accountId !== own).map((e) => `sees an entry of ${String(e.accountId)}: ${e.action} ${e.tokenId}`));
      text = JSON.stringify(entries.map(({ path: _path, ...rest }) => rest));
    }
    for (const secret of w.bSecrets) {
      if (secret.viaGrant && GRANTS[account]) continue;
      if (text.includes(secret.value)) found.push(`sees ${secret.value} (${whereIn(parsed(text), secret.value).join(', ') || 'in the text'})`);
    }
    return found;
  }

  function parsed(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  /** The JSON paths of the strings that hold `needle`, to say where a leak is. */
  function whereIn(value: unknown, needle: string, at = ''): string[] {
    if (typeof value === 'string') return value.includes(needle) ? [at || '.'] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => whereIn(v, needle, `${at}[${i}]`));
    if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => whereIn(v, needle, at ? `${at}.${k}` : k));
    return [];
  }

  function logsOnFailure(): void {
    onTestFailed(() => console.error(sys.logs()));
  }

  it('answers each with the status its auth and scope give', async () => {
    logsOnFailure();
    const t0 = Date.now();
    const cells = ROUTE_DOCS.flatMap((route) => examplesOf(route).flatMap((example) => w.principals.map((principal) => ({ route, example, principal }))));
    const rows: string[] = [];
    const tally = new Map<number, number>();
    const leaks: string[] = [];
    const run = async ({ route, example, principal }: (typeof cells)[number]): Promise<void> => {
      const where = `${keyOf(route)}${example.note ? ` [${example.note}]` : ''}`;
      const expected = expectedStatus(route, example, principal.who);
      tally.set(expected, (tally.get(expected) ?? 0) + 1);
      let reply: Reply;
      try {
        const request = await example.make(w);
        reply = await send(sys.apiUrl, { method: route.method, path: pathOf(route, request), json: request.json, raw: request.raw, headers: request.headers }, principal.token);
      } catch (err) {
        rows.push(`${where} | ${principal.name} | ${expected} | fixture or request failed: ${(err as Error).message}`);
        return;
      }
      if (reply.status !== expected) rows.push(`${where} | ${principal.name} | ${expected} | ${reply.status} ${reply.text.slice(0, 160).replace(/\s+/g, ' ')}`);
      // Another account's own-account answers must not hold anything of B's it has no grant to.
      if (route.scope === 'account' && principal.who && principal.who.account !== 'B' && reply.status < 300 && !reply.held) {
        leaks.push(...leaksIn(route, reply, principal.who.account).map((leak) => `${where} | ${principal.name} ${leak}`));
      }
    };
    // A few at a time: two cores, shared.
    const queue = [...cells];
    await Promise.all(Array.from({ length: 6 }, async () => {
      for (let cell = queue.shift(); cell; cell = queue.shift()) await run(cell);
    }));
    console.log(`authz matrix: ${ROUTE_DOCS.length} routes, ${cells.length / w.principals.length} examples × ${w.principals.length} callers = ${cells.length} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s (world built in ${(builtMs / 1000).toFixed(1)} s); expected ${[...tally].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`);
    const table = ['route [example] | caller | expected | got', ...rows.sort()].join('\n');
    const leaked = ["route | caller: what of B's it sees", ...leaks.sort()].join('\n');
    // One assertion for both, so a run shows every mismatch and every leak at once.
    expect(
      { mismatches: rows.length, leaks: leaks.length },
      `${rows.length} of ${cells.length} answers differ from the matrix:\n${table}\n\n${leaks.length} own-account answers of another account hold B's names or ids:\n${leaked}\n`,
    ).toEqual({ mismatches: 0, leaks: 0 });
  }, 120_000);

  it('says why a token is refused: expired, or not valid when revoked', async () => {
    const expired = await send(sys.apiUrl, { method: 'GET', path: '/v1/whoami' }, w.expiredToken);
    const revoked = await send(sys.apiUrl, { method: 'GET', path: '/v1/whoami' }, w.revokedToken);
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.text).error.message).toMatch(/expired/i);
    expect(revoked.status).toBe(401);
    expect(JSON.parse(revoked.text).error.message).toMatch(/not valid/i);
  });

  it('resolves every token to its account and role (whoami)', async () => {
    const accounts: Record<AccountLabel, string> = { B: 'default', A: w.a.accountId, C: w.c.accountId };
    for (const principal of w.principals.filter((p) => p.who)) {
      const reply = await send(sys.apiUrl, { method: 'GET', path: '/v1/whoami' }, principal.token);
      expect(reply.status, principal.name).toBe(200);
      expect(JSON.parse(reply.text), principal.name).toMatchObject({ accountId: accounts[principal.who!.account], role: principal.who!.role });
    }
  });

  it("keeps A's resources from B just as B's from A", async () => {
    const as = (name: string) => w.principals.find((p) => p.name === name)!.token;
    const get = (path: string, who: string) => send(sys.apiUrl, { method: 'GET', path }, as(who));
    expect((await get(`/v1/applications/${w.a.app}`, 'viewer')).status).toBe(404);
    expect((await get(`/v1/applications/${w.a.app}/deployment-groups/${w.a.group}`, 'viewer')).status).toBe(404);
    expect((await get(`/v1/applications/${w.a.app}/deployment-groups/${w.a.group}`, 'admin')).status).toBe(404);
    expect((await get('/v1/applications', 'admin')).text).not.toContain(w.a.app);
    expect((await get('/v1/tokens', 'admin')).text).not.toContain(w.a.viewerTokenId);
    expect((await send(sys.apiUrl, { method: 'DELETE', path: `/v1/tokens/${w.a.viewerTokenId}` }, as('admin'))).status).toBe(404);
    const grant = { applicationName: w.a.app, deploymentGroupName: w.a.group, granteeAccountId: w.c.accountId, role: 'viewer' };
    expect((await send(sys.apiUrl, { method: 'POST', path: '/v1/grants', json: grant }, as('admin'))).status).toBe(404);
    // A's own token still works: the 404s above were about B, not a broken A.
    expect((await get(`/v1/applications/${w.a.app}`, 'other account')).status).toBe(200);
  });
});
