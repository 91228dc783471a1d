/**
 * The audit middleware on a small Express app with a recording store: which requests make
 * entries, what goes in them, both sides of a grant, and a failing store that only logs.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../api/context.js';
import { auditWrites, auditWritesOf, type AuditBase } from '../../api/middleware/audit.js';
import type { Grant, Principal } from '../../shared/domain/access.js';
import type { AuditEntry } from '../../shared/store/audit.js';
import type { RouteDoc } from '../../api/openapi.js';
import { until } from '../helpers/processes.js';

const principal: Principal = { tokenId: 'tok-alice', accountId: 'team-a', role: 'deployer' };
const grant = (grantId: string, grantorAccountId: string): Grant => ({
  grantId,
  grantorAccountId,
  granteeAccountId: 'team-a',
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  deploymentGroupId: 'dg-1',
  role: 'deployer',
  createTime: '2026-11-27T10:00:00.000Z',
  createdBy: 'tok-bob',
});

describe('auditWritesOf', () => {
  const base: AuditBase = { time: 't', tokenId: 'tok-alice', accountId: 'team-a', role: 'deployer', action: 'POST /v1/deployments', path: '/v1/deployments', statusCode: 201, sourceIp: '10.0.0.1' };

  it('writes only to the actor without a grant', () => {
    expect(auditWritesOf(base, principal, [])).toEqual([{ accountId: 'team-a', entry: base }]);
  });

  it('writes to both sides of a grant, each naming the other account', () => {
    expect(auditWritesOf(base, principal, [grant('grant-1', 'team-b')])).toEqual([
      { accountId: 'team-a', entry: { ...base, grantId: 'grant-1', onAccountId: 'team-b' } },
      { accountId: 'team-b', entry: { ...base, grantId: 'grant-1', onAccountId: 'team-a' } },
    ]);
  });

  it('writes once per grantor, listing every grant when there were several', () => {
    const writes = auditWritesOf(base, principal, [grant('grant-1', 'team-b'), grant('grant-2', 'team-c'), grant('grant-3', 'team-b')]);
    expect(writes.map((w) => w.accountId)).toEqual(['team-a', 'team-b', 'team-c']);
    expect(writes[0].entry.grants).toHaveLength(3);
    expect(writes[1].entry).toMatchObject({ grantId: 'grant-1', onAccountId: 'team-a', grants: [{ grantId: 'grant-1' }, { grantId: 'grant-3' }] });
    expect(writes[2].entry).toMatchObject({ grantId: 'grant-2', onAccountId: 'team-a' });
    expect(writes[2].entry.grants).toBeUndefined();
  });
});

describe('auditWrites', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  let slowReceived: (() => void) | undefined;
  const written: { accountId: string; entry: AuditEntry }[] = [];
  const errors: unknown[] = [];

  async function serve(appendEach: (w: { accountId: string; entry: AuditEntry }[]) => Promise<void>): Promise<string> {
    written.length = 0;
    errors.length = 0;
    const deps = { store: { audit: { appendEach } }, now: () => new Date('2026-11-27T10:00:00.000Z') } as unknown as ApiDeps;
    const app: Express = express();
    app.use((req, _res, next) => {
      req.log = { error: (obj: unknown) => errors.push(obj) } as unknown as typeof req.log;
      if (req.headers.authorization) req.principal = principal;
      req.grantsUsed = [];
      next();
    });
    app.use(auditWrites(deps));
    app.post('/v1/deployments/:id/stop', (req, res) => {
      req.routeDoc = { method: 'post', path: '/v1/deployments/:id/stop' } as RouteDoc;
      req.grantsUsed?.push(grant('grant-1', 'team-b'));
      res.status(200).json({ ok: true });
    });
    app.post('/v1/applications', (_req, res) => {
      res.status(400).json({ code: 'ValidationException' });
    });
    app.post('/v1/slow', (_req, res) => {
      slowReceived?.();
      setTimeout(() => res.status(201).json({}), 300);
    });
    app.get('/v1/applications', (_req, res) => {
      res.json({ applications: [] });
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const auth = { authorization: 'Bearer x' };

  it('records a write with its route, path, status, address and grants; not reads, not anonymous requests', async () => {
    const url = await serve(async (w) => {
      written.push(...w);
    });
    await fetch(`${url}/v1/applications`, { headers: auth });
    await fetch(`${url}/v1/applications`, { method: 'POST' });
    await fetch(`${url}/v1/deployments/d-ABC/stop?x=1`, { method: 'POST', headers: auth });
    await fetch(`${url}/v1/applications?y=2`, { method: 'POST', headers: auth });
    await until('3 audit writes', async () => (written.length === 3 ? true : undefined), 5000, 20);
    expect(written[0]).toEqual({
      accountId: 'team-a',
      entry: {
        time: '2026-11-27T10:00:00.000Z',
        tokenId: 'tok-alice',
        accountId: 'team-a',
        role: 'deployer',
        action: 'POST /v1/deployments/:id/stop',
        path: '/v1/deployments/d-ABC/stop',
        statusCode: 200,
        sourceIp: '127.0.0.1',
        grantId: 'grant-1',
        onAccountId: 'team-b',
      },
    });
    expect(written[1]).toMatchObject({ accountId: 'team-b', entry: { tokenId: 'tok-alice', accountId: 'team-a', onAccountId: 'team-a', grantId: 'grant-1' } });
    expect(written[2].entry).toMatchObject({ action: 'POST /v1/applications', path: '/v1/applications', statusCode: 400 });
  });

  it('records a client that left before the answer as 499, once', async () => {
    const url = await serve(async (w) => {
      written.push(...w);
    });
    const received = new Promise<void>((resolve) => (slowReceived = resolve));
    const abort = new AbortController();
    const request = fetch(`${url}/v1/slow`, { method: 'POST', headers: auth, signal: abort.signal });
    await received;
    abort.abort();
    await expect(request).rejects.toThrow();
    await until('the audit write', async () => (written.length === 1 ? true : undefined), 5000, 20);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(written.map((w) => w.entry.statusCode)).toEqual([499]);
  });

  it('logs a failing audit write and keeps answering', async () => {
    const url = await serve(async () => {
      throw new Error('redis is down');
    });
    const answer = await fetch(`${url}/v1/applications`, { method: 'POST', headers: auth });
    expect(answer.status).toBe(400);
    await until('the failure to be logged', async () => (errors.length === 1 ? true : undefined), 5000, 20);
    expect(errors[0]).toMatchObject({ err: { message: 'redis is down' }, audit: { statusCode: 400 } });
    expect((await fetch(`${url}/v1/applications`, { method: 'POST', headers: auth })).status).toBe(400);
  });
});
