import { Redis } from 'ioredis';

/**
 * Connections: BullMQ needs `maxRetriesPerRequest: null` on anything a Worker uses; the store
 * uses the same settings so a Redis restart is waited out rather than failing every call.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

export type { Redis };
