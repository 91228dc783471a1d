/**
 * StreamHub: one blocking Redis connection per api process serves every live reader of Redis
 * streams (SSE clients of deployment events and of script logs). It XREADs, with BLOCK, every
 * stream that has at least one subscriber, in one command, and hands each new entry to that
 * stream's subscribers. When a stream is added the blocked read is interrupted (CLIENT UNBLOCK)
 * and issued again with the new set, so a thousand SSE clients cost one connection, not a
 * thousand.
 *
 * A subscription delivers the entries added after the stream's last entry at the time it was
 * made (or after the hub's own position, which may be earlier: subscribers drop ids they have
 * already seen). A subscriber that must not miss anything subscribes first, then reads what
 * came before with XRANGE, then drains what the hub delivered meanwhile (see LiveCursor).
 */
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../shared/logger.js';

export type StreamEntry = [id: string, fields: string[]];
export type StreamListener = (entries: StreamEntry[]) => void;

interface Watched {
  lastId: string;
  listeners: Set<StreamListener>;
}

const BLOCK_MS = 5000;
const BATCH = 1000;
const UNBLOCK_RETRY_MS = 50;

export class StreamHub {
  private readonly streams = new Map<string, Watched>();
  private clientId: number | undefined;
  private reading = false;
  /** The set of streams changed since the read in flight was issued. */
  private dirty = false;
  private closed = false;
  private loop: Promise<void> | undefined;
  private wakeIdle: (() => void) | undefined;

  constructor(
    /** Used for nothing but the blocked XREAD. */
    private readonly blocking: Redis,
    /** For the small reads and CLIENT UNBLOCK (the store's connection is fine). */
    private readonly control: Redis,
    private readonly log: Logger,
  ) {
    // A reconnected connection has a new client id.
    blocking.on('ready', () => {
      this.clientId = undefined;
    });
  }

  /** How many streams are being read. */
  get size(): number {
    return this.streams.size;
  }

  async subscribe(key: string, listener: StreamListener): Promise<() => void> {
    if (this.closed) throw new Error('the stream hub is closed');
    let watched = this.streams.get(key);
    if (!watched) {
      const newest = (await this.control.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
      watched = this.streams.get(key);
      if (!watched) {
        watched = { lastId: newest[0]?.[0] ?? '0-0', listeners: new Set() };
        this.streams.set(key, watched);
        this.changed();
      }
    }
    watched.listeners.add(listener);
    this.loop ??= this.run();
    const mine = watched;
    return () => {
      mine.listeners.delete(listener);
      // The read in flight may still name it; the next one will not.
      if (mine.listeners.size === 0 && this.streams.get(key) === mine) this.streams.delete(key);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.changed();
    this.blocking.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private changed(): void {
    this.dirty = true;
    this.wakeIdle?.();
    void this.unblock(0);
  }

  /** Interrupt the blocked read; retried briefly in case the read had not reached Redis yet. */
  private async unblock(attempt: number): Promise<void> {
    if (!this.dirty || attempt > 20) return;
    if (this.reading && this.clientId !== undefined) {
      await this.control.client('UNBLOCK', this.clientId).catch(() => undefined);
    }
    if (this.closed) return;
    await sleep(UNBLOCK_RETRY_MS, undefined, { ref: false });
    return this.unblock(attempt + 1);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.streams.size === 0) {
        await new Promise<void>((resolve) => (this.wakeIdle = resolve));
        this.wakeIdle = undefined;
        continue;
      }
      try {
        this.clientId ??= (await this.blocking.client('ID')) as number;
        const keys = [...this.streams.keys()];
        const ids = keys.map((k) => this.streams.get(k)?.lastId ?? '$');
        this.dirty = false;
        this.reading = true;
        const answer = (await this.blocking.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as [string, StreamEntry[]][] | null;
        this.reading = false;
        for (const [key, entries] of answer ?? []) this.deliver(key, entries);
      } catch (err) {
        this.reading = false;
        if (this.closed) return;
        this.log.warn({ err: (err as Error).message }, 'event stream read failed; retrying');
        await sleep(1000);
      }
    }
  }

  private deliver(key: string, entries: StreamEntry[]): void {
    const watched = this.streams.get(key);
    if (!watched || entries.length === 0) return;
    watched.lastId = entries[entries.length - 1][0];
    for (const listener of [...watched.listeners]) {
      try {
        listener(entries);
      } catch (err) {
        this.log.error({ err }, 'stream listener failed');
      }
    }
  }
}

/** Order of two stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/**
 * A reader's position in one stream that neither misses nor repeats an entry: subscribe to the
 * hub first (live entries are held back), read the backlog, then let live entries through.
 * Entries reach `handle` one batch at a time, in id order, never an id twice.
 */
export class LiveCursor {
  private held: StreamEntry[] = [];
  private live = false;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    /** The last id already handled ('0-0' = from the start). */
    public position: string,
    private readonly handle: (entries: StreamEntry[]) => Promise<void> | void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * `prime`, when given, runs once subscribed and before the backlog: a reader that starts from a
   * snapshot takes it there and returns the stream id the snapshot reaches.
   */
  async start(
    hub: StreamHub,
    key: string,
    backlog: (after: string) => Promise<StreamEntry[]>,
    prime?: () => Promise<string>,
  ): Promise<void> {
    this.unsubscribe = await hub.subscribe(key, (entries) => {
      if (this.live) this.enqueue(entries);
      else this.held.push(...entries);
    });
    if (prime) this.position = await prime();
    while (!this.stopped) {
      const batch = await backlog(this.position);
      if (batch.length === 0) break;
      this.enqueue(batch);
      await this.chain;
    }
    this.live = true;
    this.enqueue(this.held);
    this.held = [];
  }

  /** Wait until everything received so far has been handled. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Handle `entries` after everything already queued (the backlog drained at the end, say). */
  enqueue(entries: StreamEntry[]): void {
    this.chain = this.chain
      .then(async () => {
        const fresh = entries.filter(([id]) => compareStreamIds(id, this.position) > 0);
        if (fresh.length === 0) return;
        this.position = fresh[fresh.length - 1][0];
        await this.handle(fresh);
      })
      .catch(this.onError);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }
}
