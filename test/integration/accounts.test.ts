/**
 * A new account and its first admin token against a real Redis: written together, and a taken
 * id writes nothing (no second admin token slipped into someone else's account).
 */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import { hashToken } from '../../shared/ids.js';

const db = storeForThisFile('accounts');
const now = new Date('2026-11-27T10:00:00Z');

describe('accounts', () => {
  it('creates an account with its first admin token in one step, and refuses a taken id writing nothing', async () => {
    const first = await db.store.tokens.createAccount({ accountId: 'team-a', createTime: now.toISOString() }, { name: 'first admin', createdBy: 'tok-op', now });
    expect(first?.info).toMatchObject({ accountId: 'team-a', role: 'admin', name: 'first admin' });
    expect(await db.store.accounts.get('team-a')).toEqual({ accountId: 'team-a', createTime: now.toISOString() });
    expect(await db.store.instances.resolveToken(hashToken(first!.token))).toMatchObject({ kind: 'user', role: 'admin', accountId: 'team-a', tokenId: first!.info.tokenId });

    const again = await db.store.tokens.createAccount({ accountId: 'team-a', createTime: new Date(now.getTime() + 1000).toISOString() }, { name: 'intruder', createdBy: 'tok-op', now });
    expect(again).toBeUndefined();
    expect((await db.store.tokens.list('team-a')).map((t) => t.name)).toEqual(['first admin']);
    expect(await db.store.accounts.get('team-a')).toEqual({ accountId: 'team-a', createTime: now.toISOString() });
  });
});
