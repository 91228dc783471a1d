/**
 * Server-Sent Events over fetch(). The api's SSE routes take the token only in the Authorization
 * header (api/middleware/auth.ts) and EventSource cannot send one, so this reads the stream itself:
 * it parses `id:`/`event:`/`data:`/`retry:` as the SSE spec does, and reconnects after a drop with
 * Last-Event-ID so nothing is missed (api/routes/events.ts resumes from it).
 */
import { getToken, signOut } from './auth';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

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
  let lastId: string | undefined;
  let retryMs = 2000;
  let ended = false;

  const dispatch = (block: string): void => {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (id) lastId = id;
    if (data.length === 0) return;
    if (options.onMessage({ id, event, data: data.join('\n') }) === false) ended = true;
  };

  const connect = async (): Promise<void> => {
    options.onState?.('connecting');
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
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer = (buffer + value).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (ended) {
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
      options.onState?.('connecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    options.onState?.('closed');
  })();

  return () => controller.abort();
}
