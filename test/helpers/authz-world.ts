/**
 * The world of the authorization matrix (test/e2e/authz-matrix.test.ts), built through the api
 * with the bootstrap admin token (an admin of account `default`, the operator):
 *
 *   account B = `default`: application `app` with groups G (granted to A) and H (not granted,
 *     with a custom deployment config), a second application `app2` with no granted group, a revision,
 *     a registered instance, a deployment on G (planned, so it has a target) and one on H, and a
 *     git-host delivery (a signed ping);
 *   account A (`team-a-…`): its own application and group, and a deployer grant on B's G;
 *   account C (`team-c-…`): nothing, no grant.
 *
 * The workers run only until G's deployment is planned, then stop: nothing moves afterwards, so
 * a deployment created for a stop stays Created and the matrix sees the same world throughout.
 * `fresh` makes the fixtures a destructive request uses up (a token to revoke, a grant to delete,
 * an instance to deregister, a deployment to stop).
 */
import { randomBytes } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { Role } from '../../shared/domain/access.js';
import { makeBundle } from './bundles.js';
import { until } from './processes.js';
import { RestClient } from './rest-client.js';
import type { TestSystem } from './system.js';

/** The git-host secret the system under test is started with (`CUTOVER_WEBHOOK_SECRET_AUTHZ`). */
export const WEBHOOK_SECRET = randomBytes(20).toString('hex');
/** A long heartbeat timeout: the one instance never polls again, and G's deployment must not fail before the workers stop. */
export const WORLD_ENV = { CUTOVER_WEBHOOK_SECRET_AUTHZ: WEBHOOK_SECRET, CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: '300', LOG_LEVEL: 'warn' };

export type AccountLabel = 'B' | 'A' | 'C';

/** Who calls: a token the api must refuse (`who` undefined), or an api token of an account with a role. */
export interface Principal {
  name: string;
  /** The bearer token; none for `no token`. */
  token?: string;
  who?: { account: AccountLabel; role: Role };
}

/** One of B's names or ids, and whether A may meet it through its grant on G. */
export interface Secret {
  value: string;
  viaGrant: boolean;
}

export interface World {
  sys: TestSystem;
  /** B's, with the bootstrap admin token. */
  rest: RestClient;
  b: {
    app: string;
    app2: string;
    groupG: string;
    groupH: string;
    config: string;
    trigger: string;
    instance: string;
    digest: string;
    deploymentG: string;
    deploymentH: string;
    grantId: string;
    deliveryId: string;
  };
  a: { accountId: string; app: string; group: string; viewerTokenId: string; admin: RestClient };
  c: { accountId: string };
  /** The refused credentials first, then B's roles, then the other accounts'. */
  principals: Principal[];
  /** The 401 answers' messages must say why: these two tokens' principals. */
  expiredToken: string;
  revokedToken: string;
  /** What A and C must never see of B (A may see the `viaGrant` ones). */
  bSecrets: Secret[];
  fresh: Fresh;
}

export interface Fresh {
  /** A name no fixture has used. */
  name(prefix: string): string;
  /** A B viewer token's id, to revoke. */
  tokenId(): Promise<string>;
  /** A grant of a fresh B group to A (viewer), to delete. */
  grantId(): Promise<string>;
  /** A fresh B group in `app` (reached by no grant). */
  group(): Promise<string>;
  /** A B instance, registered now, to deregister. */
  instance(): Promise<string>;
  /** A deployment on G that stays Created (the workers are stopped), to stop. */
  deploymentOnG(): Promise<string>;
  /** A bundle no one has uploaded. */
  bundle(): Promise<Buffer>;
}

const TAGS = { role: 'authz' };

async function createToken(rest: RestClient, role: Role | 'enroll', extra: Record<string, unknown> = {}): Promise<{ tokenId: string; token: string; expiresAt?: string }> {
  return rest.ok('POST', '/v1/tokens', { name: `authz ${role} ${randomBytes(3).toString('hex')}`, role, ...extra });
}

async function register(sys: TestSystem, name: string, enrollToken = sys.enrollToken): Promise<string> {
  const res = await fetch(`${sys.apiUrl}/agent/v1/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${enrollToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, tags: TAGS }),
  });
  const body = (await res.json()) as { instanceToken?: string };
  if (res.status !== 201 || !body.instanceToken) throw new Error(`register ${name} → ${res.status} ${JSON.stringify(body)}`);
  return body.instanceToken;
}

/** A signed GitHub ping: the one delivery the operator's delivery routes can read. */
async function pingDelivery(sys: TestSystem, deliveryId: string): Promise<void> {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const res = await fetch(`${sys.apiUrl}/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': deliveryId, 'x-hub-signature-256': await sign(WEBHOOK_SECRET, body) },
    body,
  });
  if (res.status !== 200) throw new Error(`the ping delivery → ${res.status} ${await res.text()}`);
}

export async function buildWorld(sys: TestSystem): Promise<World> {
  const rest = sys.rest;
  const suffix = randomBytes(4).toString('hex');
  let counter = 0;
  const name = (prefix: string) => `${prefix}-${suffix}-${++counter}`;
  const app = `shop-${suffix}`;
  const app2 = `books-${suffix}`;
  const groupG = `granted-${suffix}`;
  const groupH = `kept-${suffix}`;
  const config = `half-${suffix}`;
  const trigger = `ping-${suffix}`;
  const instance = `server-${suffix}`;
  const deliveryId = `authz-${suffix}`;
  const bundle = async () => makeBundle({ files: { 'VERSION': `${suffix}-${randomBytes(6).toString('hex')}\n` } });

  // The expired token starts its second first, so the wait for it overlaps everything else.
  const expiredP = createToken(rest, 'viewer', { expiresInSeconds: 1 });
  const revokedP = createToken(rest, 'viewer').then(async (t) => {
    await rest.ok('DELETE', `/v1/tokens/${t.tokenId}`);
    return t;
  });
  const rolesP = Promise.all((['viewer', 'deployer', 'admin'] as const).map((role) => createToken(rest, role)));
  const accountsP = Promise.all(
    ['a', 'c'].map(async (letter) => {
      const accountId = `team-${letter}-${suffix}`;
      const created = await rest.ok('POST', '/v1/accounts', { accountId });
      return { accountId, admin: new RestClient(sys.apiUrl, created.adminToken.token as string), adminToken: created.adminToken.token as string };
    }),
  );
  const catalogP = (async () => {
    await Promise.all([
      rest.ok('POST', '/v1/deployment-configs', { name: config, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }),
      rest.createApplication(app),
      rest.createApplication(app2),
    ]);
    const webhook = { type: 'webhook', url: 'http://127.0.0.1:59999/authz-trigger', secret: 'a-secret-of-sixteen-or-more' };
    const [digest, instanceToken] = await Promise.all([
      bundle().then((b) => rest.upload(app, b)),
      register(sys, instance),
      rest.ok('POST', `/v1/applications/${app}/deployment-groups`, {
        name: groupG,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        instanceTagFilters: [{ key: 'role', value: 'authz', type: 'KEY_AND_VALUE' }],
        triggerConfigurations: [{ triggerName: trigger, triggerEvents: ['DeploymentSuccess'], targets: [webhook] }],
      }),
      rest.createGroup(app, groupH, config, TAGS),
      rest.createGroup(app2, `only-${suffix}`, 'CodeDeployDefault.AllAtOnce', TAGS),
      pingDelivery(sys, deliveryId),
    ]);
    // A heartbeat, so the planner counts the instance as alive.
    await fetch(`${sys.apiUrl}/agent/v1/poll`, { method: 'POST', headers: { authorization: `Bearer ${instanceToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ waitMs: 0 }) });
    const [deploymentG, deploymentH] = await Promise.all([rest.deploy(app, groupG, digest), rest.deploy(app, groupH, digest)]);
    await until(`deployment ${deploymentG} to be planned`, async () => ((await rest.targets(deploymentG)).length > 0 ? true : undefined), 30_000, 100);
    return { digest, deploymentG, deploymentH };
  })();

  const [[a, c], catalog] = await Promise.all([accountsP, catalogP]);
  await sys.workers?.kill();
  const [grant, aOwn, aDeployer, [viewer, deployer, admin], expired, revoked] = await Promise.all([
    rest.ok('POST', '/v1/grants', { applicationName: app, deploymentGroupName: groupG, granteeAccountId: a.accountId, role: 'deployer' }),
    (async () => {
      const aApp = `a-own-${suffix}`;
      const aGroup = `a-group-${suffix}`;
      await a.admin.createApplication(aApp);
      await a.admin.createGroup(aApp, aGroup, 'CodeDeployDefault.AllAtOnce', TAGS);
      const aViewer = await createToken(a.admin, 'viewer');
      return { aApp, aGroup, aViewer };
    })(),
    createToken(a.admin, 'deployer'),
    rolesP,
    expiredP,
    revokedP,
  ]);
  // Past the expired token's end (the api compares with its own clock: a little margin).
  const expiredAt = Date.parse(expired.expiresAt ?? new Date(Date.now() + 1000).toISOString());
  const wait = expiredAt + 300 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));

  const b = { app, app2, groupG, groupH, config, trigger, instance, digest: catalog.digest, deploymentG: catalog.deploymentG, deploymentH: catalog.deploymentH, grantId: grant.grantId as string, deliveryId };
  const principals: Principal[] = [
    { name: 'no token' },
    { name: 'bad token', token: `not-a-token-${randomBytes(12).toString('hex')}` },
    { name: 'expired', token: expired.token },
    { name: 'revoked', token: revoked.token },
    { name: 'viewer', token: viewer.token, who: { account: 'B', role: 'viewer' } },
    { name: 'deployer', token: deployer.token, who: { account: 'B', role: 'deployer' } },
    { name: 'admin', token: admin.token, who: { account: 'B', role: 'admin' } },
    { name: 'other account', token: a.adminToken, who: { account: 'A', role: 'admin' } },
    { name: 'other account with a grant', token: aDeployer.token, who: { account: 'A', role: 'deployer' } },
    { name: 'third account', token: c.adminToken, who: { account: 'C', role: 'admin' } },
  ];
  const bSecrets: Secret[] = [
    ...[app, groupG, catalog.deploymentG, catalog.digest, b.grantId].map((value) => ({ value, viaGrant: true })),
    ...[app2, groupH, config, trigger, instance, catalog.deploymentH, viewer.tokenId, deployer.tokenId, admin.tokenId, deliveryId].map((value) => ({ value, viaGrant: false })),
  ];

  const fresh: Fresh = {
    name,
    tokenId: async () => (await createToken(rest, 'viewer')).tokenId,
    group: async () => {
      const group = name('fresh-group');
      await rest.createGroup(app, group, 'CodeDeployDefault.AllAtOnce', TAGS);
      return group;
    },
    grantId: async () => {
      const group = await fresh.group();
      const given = await rest.ok('POST', '/v1/grants', { applicationName: app, deploymentGroupName: group, granteeAccountId: a.accountId, role: 'viewer' });
      return given.grantId as string;
    },
    instance: async () => {
      const instanceName = name('fresh-host');
      await register(sys, instanceName);
      return instanceName;
    },
    deploymentOnG: () => rest.deploy(app, groupG, catalog.digest),
    bundle,
  };

  return {
    sys,
    rest,
    b,
    a: { accountId: a.accountId, app: aOwn.aApp, group: aOwn.aGroup, viewerTokenId: aOwn.aViewer.tokenId, admin: a.admin },
    c: { accountId: c.accountId },
    principals,
    expiredToken: expired.token,
    revokedToken: revoked.token,
    bSecrets,
    fresh,
  };
}

/** What one request got back. A stream that opened is `held`: its status is all there is to read. */
export interface Reply {
  status: number;
  text: string;
  held?: boolean;
}

export interface Call {
  method: string;
  /** Path and query string. */
  path: string;
  json?: unknown;
  raw?: { body: Buffer | string; contentType: string };
  headers?: Record<string, string>;
}

/** Send one request as `token` (none: no Authorization header). A stream is let go once its head arrives. */
export async function send(baseUrl: string, call: Call, token: string | undefined): Promise<Reply> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    const res = await fetch(`${baseUrl}${call.path}`, {
      method: call.method.toUpperCase(),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(call.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(call.raw ? { 'content-type': call.raw.contentType } : {}),
        ...call.headers,
      },
      body: call.json !== undefined ? JSON.stringify(call.json) : call.raw ? (call.raw.body as BodyInit) : undefined,
      signal: controller.signal,
    });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      controller.abort();
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, text: '', held: true };
    }
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}
