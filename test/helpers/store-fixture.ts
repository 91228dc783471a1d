import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { createStore, type Store } from '../../shared/store/index.js';
import { connectRedis, deletePrefix, uniquePrefix } from './redis.js';

export interface StoreFixture {
  readonly prefix: string;
  /** Set once the file's tests start. */
  redis: Redis;
  store: Store;
}

/**
 * A store on a key prefix of its own for one test file: connected before the file's tests, its
 * keys deleted after them. Call it at the top of the file.
 */
export function storeForThisFile(label: string): StoreFixture {
  const fixture = { prefix: uniquePrefix(label) } as StoreFixture;
  beforeAll(() => {
    fixture.redis = connectRedis();
    fixture.store = createStore(fixture.redis, fixture.prefix);
  });
  afterAll(async () => {
    await deletePrefix(fixture.redis, fixture.prefix);
    fixture.redis.disconnect();
  });
  return fixture;
}
