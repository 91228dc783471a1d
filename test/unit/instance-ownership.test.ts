import { describe, expect, it } from 'vitest';
import { decideRegistration, targetedInstances, targets } from '../../shared/domain/instance-ownership.js';
import { accountOf } from '../../shared/domain/access.js';
import type { InstanceInfo } from '../../shared/domain/types.js';

const web = { instanceTagFilters: [{ key: 'role', value: 'web' }] };

function host(instanceName: string, accountId: string | undefined, extra: Partial<InstanceInfo> = {}): InstanceInfo {
  return {
    instanceName,
    tags: { role: 'web' },
    registrationStatus: 'Registered',
    registerTime: '2026-11-27T10:00:00.000Z',
    ...(accountId !== undefined ? { accountId } : {}),
    ...extra,
  };
}

describe('accountOf', () => {
  it('is the recorded account, and the default one for records from before accounts', () => {
    expect(accountOf({ accountId: 'team-x' })).toBe('team-x');
    expect(accountOf({})).toBe('default');
    expect(accountOf(undefined)).toBe('default');
  });
});

describe('targets', () => {
  it.each([
    ['the same account, matching tags', 'team-x', host('a', 'team-x'), true],
    ['another account, matching tags', 'default', host('a', 'team-x'), false],
    ['a record without account, for the default account', 'default', host('a', undefined), true],
    ['a record without account, for another account', 'team-x', host('a', undefined), false],
    ['the same account, other tags', 'team-x', host('a', 'team-x', { tags: { role: 'db' } }), false],
    ['the same account, deregistered', 'team-x', host('a', 'team-x', { registrationStatus: 'Deregistered' }), false],
  ] as const)('%s → %s', (_name, accountId, instance, expected) => {
    expect(targets(web, accountId, instance)).toBe(expected);
  });

  it('selects the account’s instances by name, whatever the others’ tags', () => {
    const all = [host('c', 'default'), host('b', 'team-x'), host('a', undefined), host('d', 'default', { tags: { role: 'db' } })];
    expect(targetedInstances(all, web, 'default').map((i) => i.instanceName)).toEqual(['a', 'c']);
    expect(targetedInstances(all, web, 'team-x').map((i) => i.instanceName)).toEqual(['b']);
    expect(targetedInstances(all, web, 'team-y')).toEqual([]);
  });
});

describe('decideRegistration', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  const request = { name: 'a', tags: { role: 'api' }, hostname: 'a.local', agentVersion: '1.2.3', accountId: 'team-x', now };

  it('registers a new name for the enrollment token’s account', () => {
    expect(decideRegistration(undefined, request)).toEqual({
      ok: true,
      info: { instanceName: 'a', tags: { role: 'api' }, registrationStatus: 'Registered', registerTime: now.toISOString(), hostname: 'a.local', agentVersion: '1.2.3', accountId: 'team-x' },
    });
  });

  it('lets the same account register again: new tags, the first registerTime kept while it stayed Registered', () => {
    const decision = decideRegistration(host('a', 'team-x'), request);
    expect(decision).toMatchObject({ ok: true, info: { tags: { role: 'api' }, registerTime: '2026-11-27T10:00:00.000Z', accountId: 'team-x' } });
    const again = decideRegistration(host('a', 'team-x', { registrationStatus: 'Deregistered', deregisterTime: '2026-11-27T11:00:00.000Z' }), request);
    expect(again).toMatchObject({ ok: true, info: { registrationStatus: 'Registered', registerTime: now.toISOString() } });
    expect(again.ok && 'deregisterTime' in again.info).toBe(false);
  });

  it('takes a record from before accounts as the default account’s', () => {
    expect(decideRegistration(host('a', undefined), { ...request, accountId: 'default' })).toMatchObject({ ok: true, info: { accountId: 'default' } });
    expect(decideRegistration(host('a', undefined), request)).toMatchObject({ ok: false });
  });

  it.each(['Registered', 'Deregistered'] as const)('refuses a name another account holds (%s), without naming that account', (registrationStatus) => {
    const decision = decideRegistration(host('a', 'team-secret', { registrationStatus }), request);
    expect(decision).toEqual({ ok: false, code: 'InstanceNameAlreadyRegisteredException', message: expect.stringContaining('already registered by another account') });
    expect(JSON.stringify(decision)).not.toContain('team-secret');
  });
});
