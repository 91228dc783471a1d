/** `npm run api`: the api alone (scale it out behind any HTTP load balancer). */
import { ConfigError, loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { createRedis } from '../shared/store/redis.js';
import { createStore } from '../shared/store/index.js';
import { Queues } from '../shared/queues.js';
import { onShutdown } from '../shared/shutdown.js';
import { startApi } from './start-api.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'api');
  const redis = createRedis(config.redisUrl, 'cutover-api');
  const store = createStore(redis, config.redisPrefix);
  const queues = new Queues(redis, store.keys.bullPrefix);
  const api = await startApi(config, store, queues, log);
  onShutdown(log, async () => {
    await api.close();
    await queues.close();
    redis.disconnect();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
