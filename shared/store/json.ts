import type { Redis } from 'ioredis';

/** Small helpers for records kept as JSON strings. */
export async function getJson<T>(redis: Redis, key: string): Promise<T | undefined> {
  const raw = await redis.get(key);
  return raw === null ? undefined : (JSON.parse(raw) as T);
}

export async function mgetJson<T>(redis: Redis, keys: string[]): Promise<T[]> {
  if (keys.length === 0) return [];
  const raws = await redis.mget(...keys);
  return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as T);
}

/** Create a record only if absent; false when it already exists. The index entry goes with it. */
export async function createJson(redis: Redis, key: string, value: unknown, indexKey: string, member: string, score: number): Promise<boolean> {
  const [[, set]] = (await redis.multi().set(key, JSON.stringify(value), 'NX').exec()) as [[Error | null, string | null]];
  if (set !== 'OK') return false;
  await redis.zadd(indexKey, score, member);
  return true;
}
