/**
 * GET /v1/openapi.json covers the API: every route the Express app serves, as built by
 * createApp right now, must be in api/openapi-routes.ts (and every entry there must be served).
 * Routes are enumerated by recording what each Router is given while the app is built: Express
 * 5 keeps no mount paths on its layers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app.js';
import { AgentWake } from '../../api/agent-wake.js';
import { ApiMetrics } from '../../api/metrics.js';
import { openApiPath } from '../../api/openapi.js';
import { ROUTE_DOCS } from '../../api/openapi-routes.js';
import { QUEUE_BOARD_PATH } from '../../api/routes/admin-queues.js';
import { StreamHub } from '../../api/routes/events-hub.js';
import { SseClients } from '../../api/routes/events-sse.js';
import { loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { Queues } from '../../shared/queues.js';
import { createStore } from '../../shared/store/index.js';
import { FilesystemArtifactStore } from '../../shared/artifacts/filesystem-store.js';
import { connectRedis, deletePrefix, uniquePrefix } from '../helpers/redis.js';

interface RouterProto {
  use: (...args: unknown[]) => unknown;
  route: (path: string) => { methods: Record<string, boolean> };
}

const proto = (express.Router as unknown as { prototype: RouterProto }).prototype;
const original = { use: proto.use, route: proto.route };
const mounts = new Map<unknown, { path: string; child: unknown }[]>();
const routes = new Map<unknown, { path: string; route: { methods: Record<string, boolean> } }[]>();
const listOf = <T>(map: Map<unknown, T[]>, key: unknown): T[] => map.get(key) ?? (map.set(key, []).get(key) as T[]);

const prefix = uniquePrefix('openapi');
let redis: Redis;
let app: Express;
let closers: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  proto.use = function (this: unknown, ...args: unknown[]) {
    const path = typeof args[0] === 'string' ? args[0] : '/';
    for (const fn of args.flat(Infinity)) {
      if (typeof fn === 'function' && Array.isArray((fn as { stack?: unknown }).stack)) listOf(mounts, this).push({ path, child: fn });
    }
    return original.use.apply(this, args);
  };
  proto.route = function (this: unknown, path: string) {
    const route = original.route.call(this, path);
    listOf(routes, this).push({ path, route });
    return route;
  };
  redis = connectRedis();
  const config = loadConfig({ ...process.env, CUTOVER_REDIS_PREFIX: prefix, CUTOVER_DATA_DIR: path.join(os.tmpdir(), prefix) });
  const store = createStore(redis, config.redisPrefix);
  const queues = new Queues(redis, store.keys.bullPrefix);
  const log = createLogger('silent', 'test');
  const hub = new StreamHub(redis.duplicate(), redis, log);
  const sse = new SseClients();
  const metrics = new ApiMetrics(store, config, sse);
  const wake = new AgentWake(redis.duplicate(), store.keys.wakeChannel);
  app = createApp({ config, store, queues, artifacts: new FilesystemArtifactStore(config.dataDir), wake, live: { hub, sse }, metrics, now: () => new Date() }, log);
  closers = [() => hub.close(), () => metrics.close(), () => wake.close(), () => queues.close()];
});

afterAll(async () => {
  proto.use = original.use;
  proto.route = original.route;
  for (const close of closers) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

function join(base: string, part: string): string {
  const joined = `${base}/${part}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** "METHOD /path" for every route reachable from the app's router. */
function servedRoutes(): string[] {
  const found: string[] = [];
  const walk = (router: unknown, base: string) => {
    for (const { path, route } of routes.get(router) ?? []) {
      for (const method of Object.keys(route.methods).filter((m) => m !== '_all')) found.push(`${method.toUpperCase()} ${join(base, path)}`);
    }
    for (const { path, child } of mounts.get(router) ?? []) walk(child, join(base, path));
  };
  walk((app as unknown as { router: unknown }).router, '');
  return [...new Set(found)].sort();
}

describe('GET /v1/openapi.json', () => {
  it('describes every route Express serves, and nothing it does not', () => {
    const served = servedRoutes()
      // The queue board is a UI with its own internal API (@bull-board); one entry covers it.
      .filter((r) => !r.split(' ')[1].startsWith(`${QUEUE_BOARD_PATH}/`) && r.split(' ')[1] !== QUEUE_BOARD_PATH);
    expect(served.length).toBeGreaterThan(20);
    if (process.env.PRINT_ROUTES) console.log(servedRoutes().join('\n'));
    const documented = ROUTE_DOCS.map((d) => `${d.method.toUpperCase()} ${d.path}`).sort();
    const missing = served.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !served.includes(r));
    expect(missing, 'routes Express serves that api/openapi-routes.ts does not describe').toEqual([]);
    expect(stale, 'entries in api/openapi-routes.ts that Express does not serve').toEqual([]);
  });

  it('is served as an OpenAPI 3.1 document whose request schemas are the validating zod schemas', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, any>> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain(openApiPath('/v1/deployments/:id/events'));
      const create = doc.paths['/v1/deployments'].post.requestBody.content['application/json'].schema;
      expect(create.required).toEqual(expect.arrayContaining(['applicationName', 'deploymentGroupName', 'revision']));
      expect(create.additionalProperties).toBe(false); // strictObject: an unknown field is a 400
      const report = doc.paths['/agent/v1/commands/{id}/report'].post.requestBody.content['application/json'].schema;
      expect(Object.keys(report.properties)).toEqual(expect.arrayContaining(['events', 'logs', 'logSeq', 'complete']));
      const logs = doc.paths['/v1/deployments/{id}/targets/{instanceId}/logs'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
      expect(logs).toEqual(['path:id', 'path:instanceId', 'query:event']);
    } finally {
      server.close();
    }
  });
});
