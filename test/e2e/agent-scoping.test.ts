/**
 * What an instance token reaches, and which account's hosts a deployment targets, end to end on
 * a real api and workers. Two hosts of the default account are driven through the agent protocol
 * by the test itself (so a command can be held open while another instance's token tries it); a
 * real agent process of the default account and one of another account (team-x, its enrollment
 * token written straight into Redis) share the tags of one group.
 *   (a) host A's token cannot download the bundle of a deployment that targets only host B (404,
 *       as a missing bundle), while B can, again after a restart mid-command, and after it ended;
 *   (b) A's token cannot report on B's command (404) and B's target does not move; a poll naming
 *       B's command learns nothing about it;
 *   (c) a default-account group whose tags match team-x's host does not target it;
 *   (d) registering a name another account holds is refused (409) and leaves its record as it was;
 *       the same account registers it again as before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Redis } from 'ioredis';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { startTsx, until, type Proc } from '../helpers/processes.js';
import { connectRedis } from '../helpers/redis.js';
import { createKeys } from '../../shared/store/keys.js';
import { createStore } from '../../shared/store/index.js';
import { hashToken } from '../../shared/ids.js';
import type { AgentCommand } from '../../shared/protocol.js';

const APP = 'scoped';
let sys: TestSystem;
let redis: Redis;
let keys: ReturnType<typeof createKeys>;
let teamXEnroll: string;
let teamXAgent: Proc | undefined;
/** Instance tokens of the hosts the test drives itself. */
const tokens: Record<string, string> = {};

interface Answer {
  status: number;
  body: any;
}

async function agentCall(token: string, method: string, route: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${sys.apiUrl}/agent/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const buffer = Buffer.from(await res.arrayBuffer());
  const text = buffer.toString('utf8');
  let parsed: unknown = buffer;
  if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed };
}

function register(enrollToken: string, name: string, tags: Record<string, string>): Promise<Answer> {
  return agentCall(enrollToken, 'POST', '/register', { name, tags });
}

function download(token: string, digest: string): Promise<Answer> {
  return agentCall(token, 'GET', `/bundles/${digest}`);
}

/** Poll as `instance` until the deployment's command arrives. */
async function commandFor(instance: string, deploymentId: string): Promise<AgentCommand> {
  return until(`${instance} to be handed a command of ${deploymentId}`, async () => {
    const answer = await agentCall(tokens[instance], 'POST', '/poll', { known: [], waitMs: 2000 });
    expect(answer.status).toBe(200);
    return (answer.body.commands as AgentCommand[]).find((c) => c.deploymentId === deploymentId);
  });
}

function allSucceeded(command: AgentCommand): unknown {
  const at = new Date().toISOString();
  return { events: command.events.map((lifecycleEventName) => ({ lifecycleEventName, status: 'Succeeded', startTime: at, endTime: at })), complete: true };
}

async function uniqueBundle(label: string): Promise<{ digest: string; bytes: Buffer }> {
  const bytes = await makeBundle({ files: { 'VERSION': `${label} ${randomBytes(8).toString('hex')}\n` }, install: [{ source: 'VERSION', destination: '/srv/scoped' }] });
  return { digest: await sys.rest.upload(APP, bytes), bytes };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

beforeAll(async () => {
  // Hosts the test drives poll when it gets round to it: a long heartbeat timeout keeps them alive.
  sys = await TestSystem.start({ label: 'agentscope', env: { CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: '120' } });
  redis = connectRedis(sys.redisUrl);
  keys = createKeys(sys.prefix);
  // Another account's enrollment token, as the account's token api would store it.
  teamXEnroll = `enroll-x-${randomBytes(16).toString('hex')}`;
  await redis.hset(keys.token(hashToken(teamXEnroll)), { kind: 'enroll', tokenId: 'tok-test', accountId: 'team-x' });

  await sys.rest.createApplication(APP);
  await sys.rest.createGroup(APP, 'only-b', 'CodeDeployDefault.AllAtOnce', { role: 'b' });
  await sys.rest.createGroup(APP, 'web', 'CodeDeployDefault.AllAtOnce', { role: 'web' });
  for (const [name, role] of [['scope-a', 'a'], ['scope-b', 'b']] as const) {
    const answer = await register(sys.enrollToken, name, { role });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    tokens[name] = answer.body.instanceToken as string;
  }
}, 60_000);

afterAll(async () => {
  await teamXAgent?.kill();
  redis?.disconnect();
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(`${sys.logs()}\n----- team-x agent -----\n${teamXAgent?.log().slice(-20_000) ?? ''}`));
}

describe('an instance token reaches its own instance only', () => {
  it('(a, b) cannot download or report on another instance’s deployment; that instance can', async () => {
    printLogsOnFailure();
    const { digest, bytes } = await uniqueBundle('only-b');
    const id = await sys.rest.deploy(APP, 'only-b', digest);
    const command = await commandFor('scope-b', id);
    expect(command.revision.digest).toBe(digest);

    // (a) A: the same answer as for a bundle that does not exist, so nothing can be probed.
    const refused = await download(tokens['scope-a'], digest);
    const missing = await download(tokens['scope-a'], 'f'.repeat(64));
    expect(refused.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(refused.body.error.code).toBe('RevisionDoesNotExistException');
    expect(refused.body.error.code).toBe(missing.body.error.code);
    expect(Object.keys(refused.body.error).sort()).toEqual(Object.keys(missing.body.error).sort());
    // B, with the command open: the bundle; and again, as an agent restarted mid-command would.
    for (let i = 0; i < 2; i++) {
      const got = await download(tokens['scope-b'], digest);
      expect(got.status).toBe(200);
      expect(sha256(got.body as Buffer)).toBe(sha256(bytes));
    }

    // (b) A reports B's command done: refused, and B's target has not moved.
    const before = await sys.rest.targets(id);
    const report = await agentCall(tokens['scope-a'], 'POST', `/commands/${command.commandId}/report`, allSucceeded(command));
    expect(report.status).toBe(404);
    expect(report.body.error.code).toBe('CommandDoesNotExistException');
    expect(await sys.rest.targets(id)).toEqual(before);
    expect(before.map((t: { targetId: string }) => t.targetId)).toEqual(['scope-b']);
    // A poll that names B's command gets neither it nor a cancel for it (a stop: the next test).
    const aPoll = await agentCall(tokens['scope-a'], 'POST', '/poll', { known: [command.commandId], waitMs: 0 });
    expect(aPoll.body).toEqual({ commands: [], cancel: [] });

    // B finishes it; the revision it now holds stays downloadable for B, never for A.
    const done = await agentCall(tokens['scope-b'], 'POST', `/commands/${command.commandId}/report`, allSucceeded(command));
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await sys.rest.finished(id, 'Succeeded');
    expect((await download(tokens['scope-b'], digest)).status).toBe(200);
    expect((await download(tokens['scope-a'], digest)).status).toBe(404);
  });

  it('(b) a stop is told to the instance that runs the command, not to another naming it', async () => {
    printLogsOnFailure();
    const { digest } = await uniqueBundle('stopped');
    const id = await sys.rest.deploy(APP, 'only-b', digest);
    const command = await commandFor('scope-b', id);
    await sys.rest.ok('POST', `/v1/deployments/${id}/stop`, {});
    await until('B to hear the cancel', async () => {
      const answer = await agentCall(tokens['scope-b'], 'POST', '/poll', { known: [command.commandId], waitMs: 1000 });
      return (answer.body.cancel as string[]).includes(command.commandId) ? true : undefined;
    });
    const aPoll = await agentCall(tokens['scope-a'], 'POST', '/poll', { known: [command.commandId], waitMs: 0 });
    expect(aPoll.body).toEqual({ commands: [], cancel: [] });
    const at = new Date().toISOString();
    const skipped = { events: command.events.map((lifecycleEventName) => ({ lifecycleEventName, status: 'Skipped', startTime: at, endTime: at })), complete: true };
    expect((await agentCall(tokens['scope-b'], 'POST', `/commands/${command.commandId}/report`, skipped)).status).toBe(200);
    await sys.rest.waitFor(id, ['Stopped', 'Failed', 'Succeeded']);
  });

  it('a bundle the api cannot read is a 500 in the error shape for its instance, and the api keeps serving', async () => {
    printLogsOnFailure();
    const { digest, bytes } = await uniqueBundle('unreadable');
    const id = await sys.rest.deploy(APP, 'only-b', digest);
    const command = await commandFor('scope-b', id);
    // The stored bundle becomes unreadable (a directory where its file was: it still has a size).
    const stored = path.join(sys.dir, 'data', 'artifacts', 'sha256', digest);
    await rename(stored, `${stored}.aside`);
    await mkdir(stored);
    try {
      const broken = await download(tokens['scope-b'], digest);
      expect(broken.status).toBe(500);
      expect(broken.body.error).toEqual({ code: 'InternalFailure', message: 'An internal error occurred.', details: {} });
      expect((await fetch(`${sys.apiUrl}/healthz`)).status).toBe(200);
    } finally {
      await rm(stored, { recursive: true });
      await rename(`${stored}.aside`, stored);
    }
    const got = await download(tokens['scope-b'], digest);
    expect(sha256(got.body as Buffer)).toBe(sha256(bytes));
    expect((await agentCall(tokens['scope-b'], 'POST', `/commands/${command.commandId}/report`, allSucceeded(command))).status).toBe(200);
    await sys.rest.finished(id, 'Succeeded');
  });
});

describe('accounts own their hosts', () => {
  it('(c) a default-account group does not target another account’s host with matching tags', async () => {
    printLogsOnFailure();
    const root = path.join(sys.dir, 'hosts', 'team-x-1');
    teamXAgent = startTsx(
      'agent-team-x-1',
      'agent/main.ts',
      ['--api', sys.apiUrl, '--enroll-token', teamXEnroll, '--name', 'team-x-1', '--tags', 'role=web', '--root', path.join(root, 'agent'), '--install-root', path.join(root, 'fs')],
      { LOG_LEVEL: 'debug' },
      path.join(sys.dir, 'logs'),
    );
    await until('team-x-1 to register and poll', async () => {
      const raw = await redis.hget(keys.instance('team-x-1'), 'lastSeen');
      return raw && Date.now() - Number(raw) < 5000 ? true : undefined;
    });
    const info = JSON.parse((await redis.hget(keys.instance('team-x-1'), 'info')) ?? '{}');
    expect(info).toMatchObject({ instanceName: 'team-x-1', registrationStatus: 'Registered', accountId: 'team-x' });
    const tokenHash = await redis.hget(keys.instance('team-x-1'), 'tokenHash');
    expect(await redis.hgetall(keys.token(tokenHash ?? ''))).toEqual({ kind: 'instance', instanceName: 'team-x-1', accountId: 'team-x' });

    await sys.startAgent('web-1', { role: 'web' });
    const grouped = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/web/instances`);
    expect(grouped.instances.map((i: { instanceName: string }) => i.instanceName)).toEqual(['web-1']);

    const { digest } = await uniqueBundle('web');
    const id = await sys.rest.deploy(APP, 'web', digest);
    await sys.rest.finished(id, 'Succeeded');
    expect((await sys.rest.targets(id)).map((t: { targetId: string }) => t.targetId)).toEqual(['web-1']);
    // The other account's host ran nothing and installed nothing.
    expect(await readdir(path.join(root, 'fs')).catch(() => [])).toEqual([]);
    expect(await redis.smembers(keys.instanceCommands('team-x-1'))).toEqual([]);
  });

  it('(d) a name another account holds is refused with 409 and its record is left as it was', async () => {
    printLogsOnFailure();
    // The default account's idle host, claimed with team-x's enrollment token.
    const before = await redis.hgetall(keys.instance('scope-a'));
    const taken = await register(teamXEnroll, 'scope-a', { role: 'web' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'InstanceNameAlreadyRegisteredException', message: expect.stringContaining('already registered by another account') });
    expect(taken.body.error.message).not.toContain('default');
    expect(await redis.hgetall(keys.instance('scope-a'))).toEqual(before);
    expect((await agentCall(tokens['scope-a'], 'POST', '/poll', { known: [], waitMs: 0 })).status).toBe(200);

    // team-x's host, claimed with the default enrollment token: its record unchanged but for the
    // heartbeat its own agent keeps writing.
    const withoutHeartbeat = async () => {
      const { lastSeen: _lastSeen, ...rest } = await redis.hgetall(keys.instance('team-x-1'));
      return rest;
    };
    const xBefore = await withoutHeartbeat();
    const claimed = await register(sys.enrollToken, 'team-x-1', { role: 'b' });
    expect(claimed.status).toBe(409);
    expect(claimed.body.error.code).toBe('InstanceNameAlreadyRegisteredException');
    expect(await withoutHeartbeat()).toEqual(xBefore);

    // Deregistered, the name is still team-x's.
    await teamXAgent?.kill();
    teamXAgent = undefined;
    // (Through the store: the default account's admin token cannot see team-x's host.)
    await createStore(redis, sys.prefix).instances.deregister('team-x-1', new Date());
    const deregistered = await redis.hgetall(keys.instance('team-x-1'));
    expect(JSON.parse(deregistered.info)).toMatchObject({ registrationStatus: 'Deregistered', accountId: 'team-x' });
    expect((await register(sys.enrollToken, 'team-x-1', { role: 'b' })).status).toBe(409);
    expect(await redis.hgetall(keys.instance('team-x-1'))).toEqual(deregistered);

    // The owner registers its name again as before: a new token, the old one refused.
    const again = await register(sys.enrollToken, 'scope-a', { role: 'a' });
    expect(again.status).toBe(201);
    expect((await agentCall(again.body.instanceToken, 'POST', '/poll', { known: [], waitMs: 0 })).status).toBe(200);
    expect((await agentCall(tokens['scope-a'], 'POST', '/poll', { known: [], waitMs: 0 })).status).toBe(401);
  });
});
