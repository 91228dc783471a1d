/**
 * Lifetimes typed by people (`--expires-in 30d`, `12h`, `1h30m`) turned into the seconds the api
 * takes, and expiry times shown back as "in 29d" or "2h ago". Pure: the caller passes `now`.
 */
import { CliError, EXIT_USAGE } from './errors.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** The api's ceiling (api/access-schemas.ts): ten years. */
export const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

const WHOLE = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/**
 * Seconds in a duration such as `30d`, `12h`, `3600s` or `1d12h` (units s, m, h, d, w; each
 * number whole). A bare number, an unknown unit or a lifetime outside 1s..10 years is a usage
 * error: a token that silently lived 3600 days instead of 3600 seconds would be a hole.
 */
export function parseDuration(text: string, flag = '--expires-in'): number {
  const value = text.trim();
  if (/^\d+$/.test(value)) throw new CliError(`${flag} ${text}: give a unit, e.g. ${value}s, ${value}m, ${value}h or ${value}d.`, EXIT_USAGE);
  if (!WHOLE.test(value)) throw new CliError(`${flag} ${text}: expected a duration like 30d, 12h, 90m, 3600s or 1d12h (units s, m, h, d, w).`, EXIT_USAGE);
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(PART)) seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  if (seconds < 1) throw new CliError(`${flag} ${text}: the lifetime must be at least 1s.`, EXIT_USAGE);
  if (seconds > MAX_LIFETIME_SECONDS) throw new CliError(`${flag} ${text}: the lifetime can be at most 10 years (3650d); leave ${flag} out for no expiry.`, EXIT_USAGE);
  return seconds;
}

/** A span in its largest whole unit: 45s, 12m, 5h, 29d. */
export function shortSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** An expiry as people read it: `never`, `in 29d`, or `2h ago` once past. */
export function expiryText(expiresAt: string | undefined, now: number): string {
  if (!expiresAt) return 'never';
  const left = (Date.parse(expiresAt) - now) / 1000;
  return left > 0 ? `in ${shortSpan(left)}` : `${shortSpan(-left)} ago`;
}
