import { Redis } from 'ioredis';
import { registerScripts } from './scripts.js';

export interface RedisOptions {
  /**
   * ioredis auto-pipelining: commands issued in the same tick go out in one write. For the
   * store's connection, where many requests each send a few commands; a socket write per command
   * was the largest single entry in the control plane's profile (docs/BENCHMARKS.md). Not for
   * connections BullMQ Workers block on.
   */
  autoPipelining?: boolean;
}

/**
 * Connections: BullMQ needs `maxRetriesPerRequest: null` on anything a Worker uses; the store
 * uses the same settings so a Redis restart is waited out rather than failing every call.
 */
export function createRedis(url: string, name: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    lazyConnect: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
  registerScripts(redis);
  return redis;
}

export type { Redis };
