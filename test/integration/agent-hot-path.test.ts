/**
 * The store pieces the agent hot path leans on, against a real Redis: the in-process token cache
 * (and that a token revoked by this process stops working at once), several commands read in one
 * MGET, and script commands run on an auto-pipelined connection (defined when it is made).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createStore, type Store } from '../../shared/store/index.js';
import { createRedis } from '../../shared/store/redis.js';
import { connectRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

let redis: Redis;
let store: Store;
const prefix = uniquePrefix('hotpath');
const now = new Date('2026-11-27T10:00:00Z');

beforeAll(() => {
  redis = connectRedis();
  store = createStore(redis, prefix);
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('token cache', () => {
  it('answers repeated lookups from the cache and forgets a token this process revokes', async () => {
    await store.instances.register({ name: 'host-1', tags: {}, accountId: 'default', tokenHash: 'hash-1', now });
    expect(await store.instances.resolveToken('hash-1')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    // Deleted behind the cache's back (another process): still answered for a few seconds.
    await redis.del(store.keys.token('hash-1'));
    expect(await store.instances.resolveToken('hash-1')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    await redis.hset(store.keys.token('hash-1'), { kind: 'instance', instanceName: 'host-1', accountId: 'default' });

    // Re-registration replaces the token: the old one is refused at once.
    await store.instances.register({ name: 'host-1', tags: {}, accountId: 'default', tokenHash: 'hash-2', now });
    expect(await store.instances.resolveToken('hash-1')).toBeUndefined();
    expect(await store.instances.resolveToken('hash-2')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    // Deregistration too.
    await store.instances.deregister('host-1', now);
    expect(await store.instances.resolveToken('hash-2')).toBeUndefined();
  });

  it('does not cache a miss', async () => {
    expect(await store.instances.resolveToken('hash-late')).toBeUndefined();
    await store.instances.putToken('hash-late', { kind: 'admin' });
    expect(await store.instances.resolveToken('hash-late')).toEqual({ kind: 'admin' });
  });
});

describe('commands', () => {
  it('reads several in one MGET, leaving out unknown ids', async () => {
    const spec = deploymentSpec('d-HOTPATH01');
    const a = buildCommand(spec, 'host-a', ['BeforeInstall'], now, 1000);
    const b = buildCommand(spec, 'host-b', ['BeforeInstall'], now, 1000);
    await redis.set(store.keys.command(a.command.commandId), JSON.stringify(a));
    await redis.set(store.keys.command(b.command.commandId), JSON.stringify(b));
    const got = await store.commands.getMany([a.command.commandId, 'nope', b.command.commandId]);
    expect(got.map((r) => r.instanceName)).toEqual(['host-a', 'host-b']);
    expect(await store.commands.getMany([])).toEqual([]);
  });
});

describe('auto-pipelined connection', () => {
  it('runs scripts and plain commands issued in the same tick', async () => {
    const piped = createRedis(REDIS_URL, 'hotpath-test', { autoPipelining: true });
    try {
      const pipedStore = createStore(piped, prefix);
      // A plain command first starts the tick's pipeline; the script joins it.
      const [, appended] = await Promise.all([
        piped.get(`${prefix}:nothing`),
        pipedStore.logs.append('d-HOTPATH02', 'host-a', 'cmd-1', 1, [{ lifecycleEventName: 'BeforeInstall', text: 'hello\n' }], 60),
      ]);
      expect(appended).toBe(true);
      const { logs } = await pipedStore.logs.snapshot('d-HOTPATH02', [{ instanceId: 'host-a', lifecycleEventName: 'BeforeInstall' }]);
      expect(logs[0].text).toBe('hello\n');
    } finally {
      piped.disconnect();
    }
  });
});
