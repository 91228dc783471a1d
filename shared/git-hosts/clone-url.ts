/**
 * Which clone URLs git may be pointed at. Pure. Only http(s), ssh and git transports (and
 * user@host:path); `ext::` and friends would run commands. Local paths and file:// only when
 * CUTOVER_GIT_ALLOW_LOCAL is set (tests, mirrors on the worker's own disk).
 */
export type CloneUrlCheck = { ok: true; host?: string } | { ok: false; reason: string };

export function checkCloneUrl(url: string, allowLocal: boolean): CloneUrlCheck {
  if (/^(https?|ssh|git):\/\//i.test(url)) {
    try {
      return { ok: true, host: new URL(url).host.toLowerCase() };
    } catch {
      return { ok: false, reason: 'the clone URL does not parse' };
    }
  }
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):[^\s]+$/.exec(url);
  if (scp) return { ok: true, host: scp[1].toLowerCase() };
  if (/^file:\/\//i.test(url) || url.startsWith('/')) {
    return allowLocal ? { ok: true } : { ok: false, reason: 'local repositories (file:// or a path) are not allowed; set CUTOVER_GIT_ALLOW_LOCAL=true to allow them' };
  }
  return { ok: false, reason: 'only https, http, ssh and git URLs (or user@host:path) are allowed' };
}
