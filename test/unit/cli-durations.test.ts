/** The CLI's `--expires-in` parser and how expiries and token states are shown: pure, table-driven. */
import { describe, expect, it } from 'vitest';
import { expiryText, MAX_LIFETIME_SECONDS, parseDuration, shortSpan } from '../../cli/durations.js';
import { tokenState } from '../../cli/commands/tokens.js';
import { CliError, EXIT_USAGE } from '../../cli/errors.js';

describe('parseDuration', () => {
  it.each([
    ['3600s', 3600],
    ['1s', 1],
    ['90m', 5400],
    ['12h', 43_200],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
    ['1d12h', 129_600],
    ['1h30m', 5400],
    ['1h1h', 7200],
    [' 12h ', 43_200],
    ['3650d', MAX_LIFETIME_SECONDS],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    ['3600', /give a unit, e\.g\. 3600s/],
    ['', /expected a duration/],
    ['12', /give a unit/],
    ['1.5h', /expected a duration/],
    ['-1h', /expected a duration/],
    ['12H', /expected a duration/],
    ['1y', /expected a duration/],
    ['h', /expected a duration/],
    ['30 d', /expected a duration/],
    ['1d 2h', /expected a duration/],
    ['0s', /at least 1s/],
    ['0d0h', /at least 1s/],
    ['3651d', /at most 10 years/],
    ['99999999999w', /at most 10 years/],
  ])('%j is refused as bad usage', (text, message) => {
    let error: unknown;
    try {
      parseDuration(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT_USAGE);
    expect((error as CliError).message).toMatch(message);
    expect((error as CliError).message).toContain('--expires-in');
  });

  it('names the flag it was given', () => {
    expect(() => parseDuration('soon', '--ttl')).toThrow(/^--ttl soon:/);
  });
});

describe('shown expiries', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it.each([
    [0, '0s'],
    [89, '89s'],
    [90, '2m'],
    [3600, '60m'],
    [5400, '2h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [30 * 86_400, '30d'],
  ])('%i seconds is %s', (seconds, text) => {
    expect(shortSpan(seconds)).toBe(text);
  });

  it.each([
    [undefined, 'never'],
    ['2026-12-27T12:00:00Z', 'in 30d'],
    ['2026-11-27T12:30:00Z', 'in 30m'],
    ['2026-11-27T10:00:00Z', '2h ago'],
    ['2026-11-27T12:00:00Z', '0s ago'],
  ])('expiring %s reads %s', (expiresAt, text) => {
    expect(expiryText(expiresAt, now)).toBe(text);
  });

  it.each([
    [{}, 'active'],
    [{ expiresAt: '2026-11-27T12:00:01Z' }, 'active'],
    [{ expiresAt: '2026-11-27T12:00:00Z' }, 'expired'],
    [{ revokeTime: '2026-11-27T11:00:00Z' }, 'revoked'],
    [{ expiresAt: '2026-11-27T10:00:00Z', revokeTime: '2026-11-27T11:00:00Z' }, 'revoked'],
  ])('a token %j is %s', (token, state) => {
    expect(tokenState(token, now)).toBe(state);
  });
});
