/**
 * Server-Sent Events over fetch(). The api's SSE routes take the token only in the Authorization
 * header (api/middleware/auth.ts) and EventSource cannot send one, so this reads the stream itself:
 * it parses `id:`/`event:`/`data:`/`retry:` as the SSE spec does, and reconnects after a drop with
 * Last-Event-ID so nothing is missed (api/routes/events.ts resumes from it).
 */
import { getToken, signOut } from './auth';
import { sseParser, type SseMessage } from './sse-parse';

export type { SseMessage };

export type StreamState = 'connecting' | 'open' | 'closed';

export interface StreamOptions {
  /** Return `false` to end the stream (e.g. on the log stream's `end`). */
  onMessage: (message: SseMessage) => void | boolean;
  /** Each time the stream (re)connects: a chance to re-read what may have changed meanwhile. */
  onOpen?: () => void;
  onState?: (state: StreamState) => void;
}

/** Open `path` as an event stream; returns the function that closes it. */
export function openStream(path: string, options: StreamOptions): () => void {
  const controller = new AbortController();
  // A fresh parser per connection (a dropped one's half message is discarded); the last id and
  // the retry interval carry over to the next.
  let parser = sseParser();
  let lastId: string | undefined;
  let retryMs = 2000;
  let ended = false;

  const connect = async (): Promise<void> => {
    options.onState?.('connecting');
    lastId = parser.lastId ?? lastId;
    retryMs = parser.retryMs ?? retryMs;
    parser = sseParser();
    const token = getToken();
    const res = await fetch(path, {
      headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (res.status === 401) {
      ended = true;
      signOut();
      return;
    }
    if (res.status === 404) {
      ended = true;
      return;
    }
    if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
    options.onState?.('open');
    options.onOpen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const message of parser.push(value)) {
        if (options.onMessage(message) === false) {
          ended = true;
          controller.abort();
          return;
        }
      }
    }
  };

  void (async () => {
    while (!controller.signal.aborted && !ended) {
      try {
        await connect();
      } catch {
        // dropped or refused: try again below
      }
      if (controller.signal.aborted || ended) break;
      retryMs = parser.retryMs ?? retryMs;
      options.onState?.('connecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    options.onState?.('closed');
  })();

  return () => controller.abort();
}
