/**
 * `npm run workers [-- scheduler,instance]`: runs the given worker roles (all by default, or
 * CUTOVER_WORKER_ROLES). Stateless: run as many copies as you like against one Redis.
 */
import { ConfigError, WORKER_ROLES, type WorkerRole } from '../shared/config.js';
import { runProcess } from '../shared/run-process.js';
import { startWorkers } from './start-workers.js';

runProcess('workers', async ({ config, log, store, queues }) => {
  const roleArg = process.argv[2];
  const roles = roleArg ? (roleArg.split(',') as WorkerRole[]) : config.workerRoles;
  const unknown = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new ConfigError(`unknown worker role(s): ${unknown.join(', ')}; known: ${WORKER_ROLES.join(', ')}`);
  return [await startWorkers(config, store, queues, log, roles)];
});
