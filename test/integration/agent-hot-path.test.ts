/**
 * The store pieces the agent hot path leans on, against a real Redis: the in-process token cache
 * (and that a token revoked by this process stops working at once), several commands read in one
 * MGET, and script commands run on an auto-pipelined connection (defined when it is made).
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { createStore } from '../../shared/store/index.js';
import { createRedis } from '../../shared/store/redis.js';
import { REDIS_URL } from '../helpers/redis.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

const db = storeForThisFile('hotpath');
const now = new Date('2026-11-27T10:00:00Z');

describe('token cache', () => {
  it('answers repeated lookups from the cache and forgets a token this process revokes', async () => {
    await db.store.instances.register({ name: 'host-1', tags: {}, accountId: 'default', tokenHash: 'hash-1', now });
    expect(await db.store.instances.resolveToken('hash-1')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    // Deleted behind the cache's back (another process): still answered for a few seconds.
    await db.redis.del(db.store.keys.token('hash-1'));
    expect(await db.store.instances.resolveToken('hash-1')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    await db.redis.hset(db.store.keys.token('hash-1'), { kind: 'instance', instanceName: 'host-1', accountId: 'default' });

    // Re-registration replaces the token: the old one is refused at once.
    await db.store.instances.register({ name: 'host-1', tags: {}, accountId: 'default', tokenHash: 'hash-2', now });
    expect(await db.store.instances.resolveToken('hash-1')).toBeUndefined();
    expect(await db.store.instances.resolveToken('hash-2')).toEqual({ kind: 'instance', instanceName: 'host-1', accountId: 'default' });
    // Deregistration too.
    await db.store.instances.deregister('host-1', now);
    expect(await db.store.instances.resolveToken('hash-2')).toBeUndefined();
  });

  it('does not cache a miss', async () => {
    expect(await db.store.instances.resolveToken('hash-late')).toBeUndefined();
    await db.store.instances.putToken('hash-late', { kind: 'admin' });
    expect(await db.store.instances.resolveToken('hash-late')).toEqual({ kind: 'admin' });
  });
});

describe('commands', () => {
  it('reads several in one MGET, leaving out unknown ids', async () => {
    const spec = deploymentSpec('d-HOTPATH01');
    const a = buildCommand(spec, 'host-a', ['BeforeInstall'], now, 1000);
    const b = buildCommand(spec, 'host-b', ['BeforeInstall'], now, 1000);
    await db.redis.set(db.store.keys.command(a.command.commandId), JSON.stringify(a));
    await db.redis.set(db.store.keys.command(b.command.commandId), JSON.stringify(b));
    const got = await db.store.commands.getMany([a.command.commandId, 'nope', b.command.commandId]);
    expect(got.map((r) => r.instanceName)).toEqual(['host-a', 'host-b']);
    expect(await db.store.commands.getMany([])).toEqual([]);
  });
});

describe('auto-pipelined connection', () => {
  it('runs scripts and plain commands issued in the same tick', async () => {
    const piped = createRedis(REDIS_URL, 'hotpath-test', { autoPipelining: true });
    try {
      const pipedStore = createStore(piped, db.prefix);
      // A plain command first starts the tick's pipeline; the script joins it.
      const [, appended] = await Promise.all([
        piped.get(`${db.prefix}:nothing`),
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
