/**
 * A Server-Sent Events client on fetch: `parseSse` turns a response body into messages;
 * `followSse` keeps a stream open across dropped connections, resuming with Last-Event-ID, so
 * the caller sees every message once, until it says stop (or the server sends `end`).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Messages from an event-stream body, as they arrive. Comments (`: ping`) are skipped. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (message.data.length > 0) yield { id: message.id, event: message.event ?? 'message', data: message.data.join('\n') };
        message = { id: message.id, data: [] };
        message.event = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') message.data.push(value);
      else if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
    }
  }
}

export interface FollowOptions {
  url: string;
  headers: Record<string, string>;
  /** Resume after this id (the first connection's Last-Event-ID). */
  lastEventId?: string;
  signal: AbortSignal;
  /** Return true to stop following. */
  onMessage: (message: SseMessage) => boolean | void;
  /** A failed (re)connection; the answer's status when there was one. 4xx other than 429 ends the follow. */
  onError?: (err: Error, status?: number) => void;
}

export class SseHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** Follow until onMessage returns true, the server sends `end`, or the signal aborts. */
export async function followSse(options: FollowOptions): Promise<void> {
  let lastEventId = options.lastEventId;
  let failures = 0;
  while (!options.signal.aborted) {
    try {
      const res = await fetch(options.url, {
        headers: { accept: 'text/event-stream', ...options.headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: options.signal,
      });
      if (!res.ok || !res.body) throw new SseHttpError(res.status, await res.text().catch(() => ''));
      failures = 0;
      for await (const message of parseSse(res.body)) {
        if (message.id) lastEventId = message.id;
        if (options.onMessage(message) === true || message.event === 'end') {
          await res.body.cancel().catch(() => undefined);
          return;
        }
      }
    } catch (err) {
      if (options.signal.aborted) return;
      const status = err instanceof SseHttpError ? err.status : undefined;
      options.onError?.(err as Error, status);
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) throw err;
      failures++;
    }
    // The connection ended (a restart, a proxy timeout): come back where we were.
    await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 5)), undefined, { signal: options.signal }).catch(() => undefined);
  }
}
