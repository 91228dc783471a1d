/**
 * The worker watchdog: notices a worker whose queue stopped moving and replaces it.
 *
 * BullMQ relies on ioredis to reconnect, and a Worker whose connection died in the wrong way can
 * sit forever on a dead blocking read while jobs pile up (taskforcesh/bullmq #2964, #2466, #3185:
 * "watch error/ready and recreate the Worker"). Every `intervalMs` the watchdog looks at each
 * worker's queue through a connection of its own:
 *
 *   - the worker's loop is not running (and it is not closing)                       → stuck
 *   - jobs are waiting, the same oldest job has been waiting for `stallMs`, and this
 *     worker neither started nor finished a job in `stallMs` though it has free slots → stuck
 *
 * A stuck worker is logged and replaced by a new Worker on fresh connections (the old one is
 * closed without waiting: it may never answer). Jobs are at-least-once and every processor is
 * idempotent, so an old worker that wakes up late does no harm.
 */
import { Queue, Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';

export interface WatchdogOptions {
  /** The watchdog's own connection, for reading queue counts. */
  connection: Redis;
  prefix: string;
  log: Logger;
  intervalMs: number;
  stallMs: number;
  /** Called with each replacement worker (to attach the same event handlers as the original). */
  onReplaced?: (worker: Worker) => void;
}

interface Watched {
  worker: Worker;
  queue: Queue;
  /** Ids of the jobs this worker is running (a job moved to delayed by its processor leaves no event: see check). */
  active: Set<string>;
  lastProgressAt: number;
  head?: { jobId: string; since: number };
  /** Connections this watchdog made for replacement workers; closed with them. */
  owned: Redis[];
}

export interface StallView {
  running: boolean;
  closing: boolean;
  inFlight: number;
  concurrency: number;
  waiting: number;
  /** How long the same oldest job has been seen waiting. */
  headWaitingMs: number;
  sinceProgressMs: number;
  stallMs: number;
}

/** Pure: is this worker stuck? (See the module comment.) */
export function isStalled(view: StallView): boolean {
  if (view.closing) return false;
  if (!view.running) return true;
  if (view.inFlight >= view.concurrency || view.waiting === 0) return false;
  return view.headWaitingMs >= view.stallMs && view.sinceProgressMs >= view.stallMs;
}

export class WorkerWatchdog {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private closed = false;
  replacements = 0;

  constructor(private readonly options: WatchdogOptions) {}

  watch(worker: Worker): void {
    const queue = new Queue(worker.name, { connection: this.options.connection, prefix: this.options.prefix });
    queue.on('error', () => undefined); // connection trouble is the worker's story, logged there
    const entry: Watched = { worker, queue, active: new Set(), lastProgressAt: Date.now(), owned: [] };
    this.track(entry);
    this.watched.push(entry);
  }

  start(): void {
    this.timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.timer.unref();
  }

  /** The workers now in service (replacements included). */
  workers(): Worker[] {
    return this.watched.map((w) => w.worker);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.watched.map((w) => w.queue.close().catch(() => undefined)));
  }

  /** Close the workers in service and the connections made for replacements. */
  async closeWorkers(): Promise<void> {
    await Promise.all(this.watched.map((w) => w.worker.close()));
    for (const w of this.watched) for (const c of w.owned) c.disconnect();
  }

  private track(entry: Watched): void {
    const worker = entry.worker;
    const mine = () => entry.worker === worker; // events of a replaced worker no longer count
    worker.on('active', (job) => {
      if (!mine()) return;
      if (job.id) entry.active.add(job.id);
      entry.lastProgressAt = Date.now();
    });
    const done = (job: { id?: string } | undefined) => {
      if (!mine()) return;
      if (job?.id) entry.active.delete(job.id);
      entry.lastProgressAt = Date.now();
    };
    worker.on('completed', (job) => done(job));
    worker.on('failed', (job) => done(job));
  }

  private async checkAll(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      for (const entry of this.watched) await this.check(entry);
    } catch (err) {
      // Redis itself is unreachable: nothing to judge until it is back.
      this.options.log.debug({ err: (err as Error).message }, 'watchdog check skipped');
    } finally {
      this.checking = false;
    }
  }

  private async check(entry: Watched): Promise<void> {
    // A processor that moved its job to delayed (DelayedError) emits neither completed nor failed.
    for (const id of [...entry.active]) {
      if ((await entry.queue.getJobState(id)) !== 'active') entry.active.delete(id);
    }
    const now = Date.now();
    const counts = await entry.queue.getJobCounts('wait', 'prioritized');
    const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    const [oldest] = waiting > 0 ? await entry.queue.getJobs(['wait', 'prioritized'], 0, 0, true) : [];
    if (!oldest?.id) entry.head = undefined;
    else if (entry.head?.jobId !== oldest.id) entry.head = { jobId: oldest.id, since: now };
    const view: StallView = {
      running: entry.worker.isRunning(),
      closing: entry.worker.closing !== undefined && entry.worker.closing !== null,
      inFlight: entry.active.size,
      concurrency: entry.worker.concurrency,
      waiting,
      headWaitingMs: entry.head ? now - entry.head.since : 0,
      sinceProgressMs: now - entry.lastProgressAt,
      stallMs: this.options.stallMs,
    };
    if (!isStalled(view) || this.closed) return;
    this.options.log.error({ queue: entry.worker.name, ...view }, 'watchdog: the queue stopped moving; replacing its worker');
    this.replace(entry);
  }

  private replace(entry: Watched): void {
    const old = entry.worker;
    // BullMQ keeps the processor it was given; a replacement needs the same one.
    const processor = (old as unknown as { processFn?: Processor }).processFn;
    if (!processor) {
      this.options.log.error({ queue: old.name }, 'watchdog: cannot replace a worker without an in-process processor');
      return;
    }
    // A shared connection may be the wedged one: the replacement gets a fresh socket. (Plain
    // connection options make BullMQ open new connections anyway.)
    const shared = old.opts.connection as Partial<Redis>;
    const connection = typeof shared.duplicate === 'function' ? (shared as Redis).duplicate() : undefined;
    const opts: WorkerOptions = connection ? { ...old.opts, connection } : old.opts;
    const fresh = new Worker(old.name, processor, opts);
    entry.worker = fresh;
    entry.active.clear();
    entry.lastProgressAt = Date.now();
    entry.head = undefined;
    if (connection) entry.owned.push(connection);
    this.track(entry);
    this.options.onReplaced?.(fresh);
    this.replacements++;
    // The old worker may be wedged on a dead socket: do not wait for it.
    void old.close(true).catch(() => undefined);
  }
}
