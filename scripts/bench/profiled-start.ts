/**
 * `scripts/start.ts` (api + workers in one process) with profiling on request over IPC, for
 * `bench:fleet --profile`: the bench profiles exactly the deployment it measures.
 */
import { profileOnRequest } from './lib/profiler.js';

profileOnRequest();
await import('../start.js');
