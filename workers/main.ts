/**
 * `npm run workers [-- scheduler,instance]`: runs the given worker roles (all by default, or
 * CUTOVER_WORKER_ROLES). Stateless: run as many copies as you like against one Redis.
 */
import { ConfigError, loadConfig, WORKER_ROLES, type WorkerRole } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { createRedis } from '../shared/store/redis.js';
import { createStore } from '../shared/store/index.js';
import { Queues } from '../shared/queues.js';
import { startWorkers } from './start-workers.js';
import { onShutdown } from '../shared/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'workers');
  const roleArg = process.argv[2];
  const roles = roleArg ? (roleArg.split(',') as WorkerRole[]) : config.workerRoles;
  const unknown = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new ConfigError(`unknown worker role(s): ${unknown.join(', ')}; known: ${WORKER_ROLES.join(', ')}`);
  const redis = createRedis(config.redisUrl, 'cutover-workers-store');
  const store = createStore(redis, config.redisPrefix);
  const queues = new Queues(redis, store.keys.bullPrefix);
  const workers = await startWorkers(config, store, queues, log, roles);
  onShutdown(log, async () => {
    await workers.close();
    await queues.close();
    redis.disconnect();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
