/**
 * Server-Sent Events responses. Every open stream is registered here: one timer sends `: ping`
 * heartbeats to all of them (so proxies and clients see a live connection), the number of open
 * streams per api process is bounded, and a client that stops reading is cut off rather than
 * buffered without bound (it reconnects with Last-Event-ID and misses nothing).
 */
import type { Response } from 'express';
import { CutoverError } from '../../shared/errors.js';

const HEARTBEAT_MS = 15_000;
/** What a client may leave unread before it is disconnected. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;
/** How long a client waits before reconnecting (the SSE `retry:` field). */
const RETRY_MS = 2000;

export class TooManyStreamsError extends CutoverError {
  constructor(limit: number) {
    super(503, 'ServiceUnavailableException', `This api already serves ${limit} event streams; retry later or use another replica.`);
  }
}

export class SseStream {
  private closed = false;
  private readonly closers: (() => void)[] = [];

  constructor(
    private readonly res: Response,
    private readonly onEnd: (stream: SseStream) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(id: string | undefined, event: string, data: unknown): void {
    if (this.closed) return;
    const lines = `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.write(lines);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Run `fn` when the stream ends, whoever ends it. */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
    this.onEnd(this);
    for (const fn of this.closers.splice(0)) fn();
  }

  private write(text: string): void {
    if (this.closed) return;
    this.res.write(text);
    if (this.res.writableLength > MAX_UNREAD_BYTES) this.close();
  }
}

export class SseClients {
  private readonly open = new Set<SseStream>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly limit = 2000) {}

  get count(): number {
    return this.open.size;
  }

  /** Answer with an event stream. */
  start(res: Response): SseStream {
    if (this.open.size >= this.limit) throw new TooManyStreamsError(this.limit);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);
    const stream = new SseStream(res, (s) => this.open.delete(s));
    this.open.add(stream);
    res.on('close', () => stream.close());
    this.timer ??= setInterval(() => {
      for (const s of this.open) s.comment('ping');
    }, HEARTBEAT_MS).unref();
    return stream;
  }

  closeAll(): void {
    for (const s of [...this.open]) s.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
