/**
 * Rate limits per bearer token and per client IP, counted in Redis so every api replica shares
 * them. Fixed windows: a counter per (scope, id, window number) that expires with its window;
 * one script call per request counts both and says which, if any, is over. Over a limit → 429
 * ThrottlingException with Retry-After (seconds to the window's end). /healthz is not counted
 * (load-balancer probes must never be throttled). A limit of 0 turns that scope off.
 *
 * The counters live under their own hash tag `{<prefix>:ratelimit}` (both keys of one call share
 * a Cluster slot): they change on every request, rejected ones included, so they are kept apart
 * from the store's records under `{<prefix>}`. They expire by themselves.
 *
 * If Redis fails the request goes on (fail open): the route itself will meet the same Redis.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { CutoverError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/**
 * KEYS[i]  one counter per limited scope, for the current window
 * ARGV[1]  the window in ms (each counter's lifetime, set when it is created)
 * ARGV[1+i] the limit of KEYS[i]
 * Returns the 1-based index of the first counter over its limit, or 0.
 */
const COUNT_LUA = `
local over = 0
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  if over == 0 and n > tonumber(ARGV[i + 1]) then over = i end
end
return over`;

const COMMAND = 'cutoverRateCount';

type CountingRedis = Redis & { [COMMAND](numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number> };

export interface RateLimitOptions {
  windowMs: number;
  perToken: number;
  perIp: number;
  /** The store's prefix (CUTOVER_REDIS_PREFIX). */
  prefix: string;
}

export class ThrottledError extends CutoverError {
  constructor(scope: 'token' | 'ip', limit: number, windowMs: number, retryAfterSeconds: number) {
    super(429, 'ThrottlingException', `Rate exceeded: at most ${limit} requests per ${windowMs / 1000} s per ${scope === 'ip' ? 'client address' : 'token'}.`, {
      scope,
      limit,
      windowSeconds: windowMs / 1000,
      retryAfterSeconds,
    });
  }
}

/** IPv4 as is (also when IPv6-mapped); IPv6 by its /64, which one client usually holds whole. */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function rateLimit(redis: Redis, options: RateLimitOptions, log: Logger): RequestHandler {
  const { windowMs, perToken, perIp } = options;
  if (perToken === 0 && perIp === 0) return (_req, _res, next) => next();
  redis.defineCommand(COMMAND, { lua: COUNT_LUA });
  const counting = redis as CountingRedis;
  const base = `{${options.prefix}:ratelimit}`;
  let lastWarning = 0;

  return async (req, res, next) => {
    if (req.path === '/healthz') return next();
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const keys: string[] = [];
    const limits: number[] = [];
    const scopes: ('ip' | 'token')[] = [];
    if (perIp > 0) {
      keys.push(`${base}:ip:${clientKey(req.ip)}:${window}`);
      limits.push(perIp);
      scopes.push('ip');
    }
    const bearer = perToken > 0 ? /^Bearer\s+(\S{1,512})$/i.exec(req.headers.authorization ?? '') : null;
    if (bearer) {
      keys.push(`${base}:token:${createHash('sha256').update(bearer[1]).digest('hex').slice(0, 32)}:${window}`);
      limits.push(perToken);
      scopes.push('token');
    }
    if (keys.length === 0) return next();
    let over: number;
    try {
      over = await counting[COMMAND](keys.length, ...keys, windowMs, ...limits);
    } catch (err) {
      if (now - lastWarning > 10_000) {
        lastWarning = now;
        log.warn({ err }, 'rate limits not counted: Redis failed; requests go on unlimited');
      }
      return next();
    }
    if (over === 0) return next();
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    res.setHeader('Retry-After', String(retryAfter));
    const scope = scopes[over - 1];
    throw new ThrottledError(scope, scope === 'ip' ? perIp : perToken, windowMs, retryAfter);
  };
}
