/**
 * Instance ownership in the store, against a real Redis: a registration is a compare-and-set, so
 * racing registrations of one name by two accounts leave exactly one owner and one live token,
 * and a refused one writes nothing; an instance reaches only the bundles of its own commands and
 * of the revisions its groups recorded on it.
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { keysOf } from '../helpers/redis.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { deploymentSpec } from '../helpers/deployment-spec.js';

const db = storeForThisFile('ownership');
const now = new Date('2026-11-27T10:00:00Z');

async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of await keysOf(db.redis, db.prefix)) {
    const type = await db.redis.type(key);
    out[key] = type === 'hash' ? await db.redis.hgetall(key) : type === 'zset' ? await db.redis.zrange(key, 0, -1, 'WITHSCORES') : type;
  }
  return out;
}

describe('registration', () => {
  it('refuses a name another account holds and writes nothing', async () => {
    const first = await db.store.instances.register({ name: 'owned', tags: { role: 'web' }, accountId: 'team-x', tokenHash: 'owned-1', now });
    expect(first).toMatchObject({ registered: true, info: { accountId: 'team-x' } });
    expect(await db.store.instances.resolveToken('owned-1')).toEqual({ kind: 'instance', instanceName: 'owned', accountId: 'team-x' });
    const before = await snapshot();
    const refused = await db.store.instances.register({ name: 'owned', tags: { role: 'evil' }, accountId: 'default', tokenHash: 'owned-2', now });
    expect(refused).toEqual({ registered: false, code: 'InstanceNameAlreadyRegisteredException', message: expect.any(String) });
    expect(await snapshot()).toEqual(before);

    // Deregistered, the name is still the account's.
    await db.store.instances.deregister('owned', now);
    expect(await db.store.instances.register({ name: 'owned', tags: {}, accountId: 'default', tokenHash: 'owned-3', now })).toMatchObject({ registered: false });
    expect(await db.store.instances.register({ name: 'owned', tags: {}, accountId: 'team-x', tokenHash: 'owned-4', now })).toMatchObject({ registered: true, info: { registrationStatus: 'Registered' } });
  });

  it('of racing registrations of one name by two accounts, one wins and only its latest token works', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `raced-${round}`;
      const attempts = Array.from({ length: 8 }, (_, i) => ({ accountId: i % 2 === 0 ? 'team-a' : 'team-b', tokenHash: `${name}-tok-${i}` }));
      const results = await Promise.all(attempts.map((a) => db.store.instances.register({ name, tags: {}, ...a, now })));
      const winners = new Set(results.flatMap((r, i) => (r.registered ? [attempts[i].accountId] : [])));
      expect(winners.size).toBe(1);
      const owner = [...winners][0];
      expect(results.filter((r, i) => !r.registered && attempts[i].accountId === owner)).toEqual([]);
      // Every registration of the owner succeeded in turn; only the token stored last is live.
      const stored = await db.redis.hget(db.store.keys.instance(name), 'tokenHash');
      const live = [];
      for (const a of attempts) if ((await db.redis.hgetall(db.store.keys.token(a.tokenHash))).kind) live.push(a.tokenHash);
      expect(live).toEqual([stored]);
      expect(JSON.parse((await db.redis.hget(db.store.keys.instance(name), 'info')) ?? '{}')).toMatchObject({ accountId: owner });
    }
  });

  it('racing deregistrations and registrations never leave a Deregistered host with a live token', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `flapping-${round}`;
      await db.store.instances.register({ name, tags: {}, accountId: 'team-a', tokenHash: `${name}-tok-first`, now });
      const hashes = Array.from({ length: 6 }, (_, i) => `${name}-tok-${i}`);
      await Promise.all([
        ...hashes.map((tokenHash) => db.store.instances.register({ name, tags: {}, accountId: 'team-a', tokenHash, now })),
        ...hashes.map(() => db.store.instances.deregister(name, now)),
      ]);
      const [info, stored] = await db.redis.hmget(db.store.keys.instance(name), 'info', 'tokenHash');
      const live = [];
      for (const hash of [`${name}-tok-first`, ...hashes]) if ((await db.redis.hgetall(db.store.keys.token(hash))).kind) live.push(hash);
      if (JSON.parse(info ?? '{}').registrationStatus === 'Deregistered') {
        expect(stored).toBeNull();
        expect(live).toEqual([]);
      } else {
        expect(live).toEqual([stored]);
      }
    }
  });

  it('keeps working for a record written before accounts (the default account’s)', async () => {
    await db.redis.hset(db.store.keys.instance('legacy'), { info: JSON.stringify({ instanceName: 'legacy', tags: {}, registrationStatus: 'Registered', registerTime: now.toISOString() }), tokenHash: 'legacy-0' });
    await db.redis.hset(db.store.keys.token('legacy-0'), { kind: 'instance', instanceName: 'legacy' });
    expect(await db.store.instances.register({ name: 'legacy', tags: {}, accountId: 'team-x', tokenHash: 'legacy-1', now })).toMatchObject({ registered: false });
    expect(await db.store.instances.register({ name: 'legacy', tags: {}, accountId: 'default', tokenHash: 'legacy-2', now })).toMatchObject({ registered: true, info: { accountId: 'default' } });
    expect(await db.redis.exists(db.store.keys.token('legacy-0'))).toBe(0);
  });
});

describe('bundles an instance reaches', () => {
  it('are those of its open commands and of the revisions recorded on it, nothing else', async () => {
    const mine = 'b'.repeat(64);
    const theirs = 'c'.repeat(64);
    const recorded = 'd'.repeat(64);
    const spec = deploymentSpec('d-OWN01', 'group-1', mine);
    const other = deploymentSpec('d-OWN02', 'group-1', theirs);
    for (const [instance, s] of [['host-a', spec], ['host-b', other]] as const) {
      const record = buildCommand(s, instance, ['DownloadBundle'], now, 1000);
      await db.redis.set(db.store.keys.command(record.command.commandId), JSON.stringify(record));
      await db.redis.sadd(db.store.keys.instanceCommands(instance), record.command.commandId);
    }
    await db.redis.hset(db.store.keys.instance('host-a'), 'rev:group-2', JSON.stringify({ deploymentId: 'd-OLD', digest: recorded, status: 'Succeeded' }));

    expect(await db.store.commands.reachesBundle('host-a', mine)).toBe(true);
    expect(await db.store.commands.reachesBundle('host-a', recorded)).toBe(true);
    expect(await db.store.commands.reachesBundle('host-a', theirs)).toBe(false);
    expect(await db.store.commands.reachesBundle('host-b', theirs)).toBe(true);
    expect(await db.store.commands.reachesBundle('host-b', mine)).toBe(false);
    expect(await db.store.commands.reachesBundle('host-c', mine)).toBe(false);

    // Closed: out of the open set, the command no longer reaches its bundle.
    await db.redis.srem(db.store.keys.instanceCommands('host-b'), `d-OWN02.host-b.DownloadBundle`);
    expect(await db.store.commands.reachesBundle('host-b', theirs)).toBe(false);
  });
});
