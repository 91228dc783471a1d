/** The revision role: turns accepted git-host pushes into revisions and deployments. */
import path from 'node:path';
import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import type { JobPayloads } from '../../shared/queues.js';
import { FilesystemArtifactStore } from '../../shared/artifacts/filesystem-store.js';
import type { NotifierDeps } from '../notifier/dispatch.js';
import { GitCache } from './git-cache.js';
import { processPush } from './process-push.js';

/** Git work is I/O- and CPU-heavy: a few at a time per process. */
const CONCURRENCY = 4;

export function startRevisionWorker(base: NotifierDeps, connection: ConnectionOptions, prefix: string, timings: Partial<WorkerOptions>): Worker {
  const { config } = base;
  const deps = {
    ...base,
    artifacts: new FilesystemArtifactStore(config.dataDir),
    git: new GitCache(path.join(config.dataDir, 'git-cache'), config.git),
  };
  return new Worker<JobPayloads['revisions']>('revisions', async (job: Job<JobPayloads['revisions']>) => processPush(deps, job), {
    connection,
    prefix,
    concurrency: CONCURRENCY,
    ...timings,
    // A fetch of a large repository can outlast the default lock; it is renewed while it runs.
    lockDuration: Math.max(timings.lockDuration ?? 0, 30_000),
  });
}
