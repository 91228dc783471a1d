/** The audit log store against a real Redis, under a key prefix of its own. */
import { describe, expect, it } from 'vitest';
import { storeForThisFile } from '../helpers/store-fixture.js';
import type { AuditEntry } from '../../shared/store/audit.js';

const db = storeForThisFile('audit-store');

function entry(n: number, accountId = 'team-a'): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 10, 27, 10, 0, n)).toISOString(),
    tokenId: 'tok-1',
    accountId,
    role: 'admin',
    action: 'POST /v1/applications',
    path: '/v1/applications',
    statusCode: 201,
    sourceIp: '127.0.0.1',
    deploymentId: `d-${n}`,
  };
}

describe('AuditLog', () => {
  it('appends once to each distinct account and reads back newest first, with the auditId', async () => {
    await db.store.audit.append(['one', 'two', 'one'], entry(1, 'one'));
    await db.store.audit.append(['one'], entry(2, 'one'));
    const one = await db.store.audit.list('one');
    expect(one.entries.map((e) => e.deploymentId)).toEqual(['d-2', 'd-1']);
    expect(one.nextBefore).toBeUndefined();
    expect(one.entries[0]).toEqual({ ...entry(2, 'one'), auditId: expect.stringMatching(/^\d+-\d+$/) });
    expect((await db.store.audit.list('two')).entries).toEqual([{ ...entry(1, 'one'), auditId: expect.any(String) }]);
    expect((await db.store.audit.list('nobody')).entries).toEqual([]);
  });

  it('writes a different entry per account in one call', async () => {
    await db.store.audit.appendEach([
      { accountId: 'grantee', entry: { ...entry(1, 'grantee'), grantId: 'grant-1', onAccountId: 'grantor' } },
      { accountId: 'grantor', entry: { ...entry(1, 'grantee'), grantId: 'grant-1', onAccountId: 'grantee' } },
    ]);
    expect((await db.store.audit.list('grantee')).entries[0]).toMatchObject({ accountId: 'grantee', onAccountId: 'grantor' });
    expect((await db.store.audit.list('grantor')).entries[0]).toMatchObject({ accountId: 'grantee', onAccountId: 'grantee' });
  });

  it('pages with an exclusive before cursor until nothing remains', async () => {
    for (let n = 1; n <= 7; n++) await db.store.audit.append(['paged'], entry(n, 'paged'));
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await db.store.audit.list('paged', { limit: 3, before });
      seen.push(...page.entries.map((e) => e.deploymentId ?? ''));
      before = page.nextBefore;
      pages++;
    } while (before);
    expect(seen).toEqual(['d-7', 'd-6', 'd-5', 'd-4', 'd-3', 'd-2', 'd-1']);
    expect(pages).toBe(3);
    // A page that ends exactly at the oldest entry says there is nothing more.
    const all = await db.store.audit.list('paged', { limit: 7 });
    expect(all.entries).toHaveLength(7);
    expect(all.nextBefore).toBeUndefined();
    expect((await db.store.audit.list('paged', { before: '0-0' })).entries).toEqual([]);
  });
});
