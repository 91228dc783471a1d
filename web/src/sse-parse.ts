/**
 * The Server-Sent Events wire format, as the HTML spec parses it: blocks end with a blank line;
 * `event:`, `data:` (several lines join with \n), `id:` and `retry:` fields; lines starting with
 * `:` are comments (the api's heartbeats); CR, LF and CRLF all end a line. Pure, so it is unit-tested
 * (test/unit/dashboard-sse.test.ts); sse.ts feeds it what fetch() reads.
 */

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseParser {
  /** Everything complete in `chunk` (with what was left over before it). */
  push(chunk: string): SseMessage[];
  /** The last `id:` seen, for Last-Event-ID when reconnecting. */
  readonly lastId: string | undefined;
  /** The last `retry:` the server asked for, in ms. */
  readonly retryMs: number | undefined;
}

export function sseParser(): SseParser {
  let buffer = '';
  let lastId: string | undefined;
  let retryMs: number | undefined;

  const block = (text: string): SseMessage | undefined => {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (id !== undefined) lastId = id;
    return data.length === 0 ? undefined : { ...(id !== undefined ? { id } : {}), event, data: data.join('\n') };
  };

  return {
    push(chunk) {
      // A CR at the very end may be the first half of a CRLF: keep it until the next chunk.
      buffer = (buffer + chunk).replace(/\r\n|\r(?!$)/g, '\n');
      const messages: SseMessage[] = [];
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = block(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) messages.push(message);
      }
      return messages;
    },
    get lastId() {
      return lastId;
    },
    get retryMs() {
      return retryMs;
    },
  };
}
