/** Tests talk to a real Redis (scripts/test.sh finds or starts one) under a key prefix of their own. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}

export function connectRedis(url: string = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Every key of a prefix (store and BullMQ alike), sorted; for "nothing was written" checks. */
export async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysOf(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/**
 * Whether a store key is a record that "nothing written" must leave alone: BullMQ's bookkeeping,
 * the notifier's passing lock and its read position in the event stream move on their own (a
 * deployment that just ended is still being read), and the audit log records every write
 * attempt, the refused ones included, by design.
 */
export function isRecordKey(key: string): boolean {
  return !key.includes(':bull:') && !key.endsWith(':notify:dispatch-lock') && !key.endsWith(':notify:cursor') && !key.includes(':audit:');
}
