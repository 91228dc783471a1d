/** `npm run api`: the api alone (scale it out behind any HTTP load balancer). */
import { runProcess } from '../shared/run-process.js';
import { startApi } from './start-api.js';

runProcess('api', async ({ config, log, store, queues }) => [await startApi(config, store, queues, log)]);
