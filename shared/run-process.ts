/**
 * The boilerplate every control-plane entry point shares: parse the config (a bad one exits 1
 * with every problem listed), connect to Redis, start the parts, and close them in order on
 * SIGINT/SIGTERM.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis } from './store/redis.js';
import { createStore, type Store } from './store/index.js';
import { Queues } from './queues.js';
import { onShutdown } from './shutdown.js';

export interface Runtime {
  config: Config;
  log: Logger;
  store: Store;
  queues: Queues;
}

export interface Closable {
  close(): Promise<void>;
}

/** `start` returns what it started, in the order it should be closed. */
export function runProcess(name: string, start: (runtime: Runtime) => Promise<Closable[]>): void {
  const main = async () => {
    const config = loadConfig();
    const log = createLogger(config.logLevel, name);
    // The store's connection is auto-pipelined; BullMQ gets a plain one of its own (it defines its
    // scripts after connecting, which an auto-pipeline begun in the same tick would not know).
    const redis = createRedis(config.redisUrl, `cutover-${name}`, { autoPipelining: true });
    const queueRedis = createRedis(config.redisUrl, `cutover-${name}-queues`);
    const store = createStore(redis, config.redisPrefix);
    const queues = new Queues(queueRedis, store.keys.bullPrefix);
    const started = await start({ config, log, store, queues });
    onShutdown(log, async () => {
      for (const part of started) await part.close();
      await queues.close();
      redis.disconnect();
      queueRedis.disconnect();
    });
  };
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
