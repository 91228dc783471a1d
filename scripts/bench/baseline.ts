/**
 * The floor: raw BullMQ moving `--jobs` no-op jobs through one Worker (concurrency as Cutover's
 * workers) on the same Redis. Jobs are added with addBulk in chunks of 1000, with the job options
 * Cutover's queues use; the time runs from the first add until the worker has completed the last
 * job. Prints one `BASELINE {json}` line.
 *
 *   node --import tsx scripts/bench/baseline.ts --redis URL --prefix P --jobs N [--concurrency C]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const CHUNK = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string' },
      prefix: { type: 'string' },
      jobs: { type: 'string' },
      concurrency: { type: 'string', default: '50' },
      'timeout-s': { type: 'string', default: '300' },
    },
    strict: true,
  });
  const jobs = Number(values.jobs);
  const concurrency = Number(values.concurrency);
  if (!values.redis || !values.prefix || !(jobs > 0)) throw new Error('--redis, --prefix and --jobs are required');
  const connection = new Redis(values.redis, { maxRetriesPerRequest: null });
  const prefix = `{${values.prefix}}:bull`;
  const queue = new Queue('baseline', { connection, prefix, defaultJobOptions: { removeOnComplete: { count: 2000 }, removeOnFail: { count: 5000 } } });
  await queue.waitUntilReady();

  let completed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const worker = new Worker('baseline', async () => undefined, { connection, prefix, concurrency, autorun: false });
  worker.on('completed', () => {
    if (++completed === jobs) resolveDone();
  });
  worker.on('error', (err) => console.error('worker error', err.message));

  // CPU over the timed window only (as the control plane's is over the deployment): not the start-up.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const running = worker.run();
  for (let i = 0; i < jobs; i += CHUNK) {
    const n = Math.min(CHUNK, jobs - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'event', data: { i: i + k } })));
  }
  const addedMs = performance.now() - t0;
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Number(values['timeout-s']) * 1000).unref());
  const outcome = await Promise.race([done.then(() => 'done' as const), timeout]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await worker.close();
  await running.catch(() => undefined);
  await queue.close();
  connection.disconnect();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`BASELINE ${JSON.stringify({ jobs, completed, concurrency, seconds, addSeconds: addedMs / 1000, cpuSeconds, timedOut: outcome === 'timeout' })}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
