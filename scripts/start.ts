/** `npm start`: the api and every worker role in one process. */
import { runProcess } from '../shared/run-process.js';
import { startApi } from '../api/start-api.js';
import { startWorkers } from '../workers/start-workers.js';

runProcess('cutover', async ({ config, log, store, queues }) => {
  const workers = await startWorkers(config, store, queues, log, config.workerRoles);
  const api = await startApi(config, store, queues, log);
  return [api, workers];
});
