/**
 * The CLI's REST client. Errors from the api (`{"error":{"code","message","details"}}`) become
 * CliErrors carrying that message; a route this api does not have (404 "No route") becomes a
 * clear "not available on this server" instead of a confusing not-found.
 */
import { CliError } from './errors.js';
import { followSse, type SseMessage } from './sse.js';
import type { Connection } from './settings.js';

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }

  /** The api has no such route: an older server, or a feature not built there. */
  get missingRoute(): boolean {
    return this.status === 404 && this.body.code === 'ResourceNotFoundException' && /^No route for /.test(this.body.message);
  }
}

export class NotAvailableError extends CliError {
  constructor(what: string, method: string, path: string) {
    super(`${what} is not available on this server (it has no ${method} ${path.replace(/\?.*$/, '')}).`);
  }
}

export class CutoverClient {
  constructor(readonly connection: Connection) {}

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }

  /** Like post, but a missing route says which feature the server lacks. */
  async feature<T>(what: string, method: 'POST' | 'PUT' | 'GET' | 'DELETE', path: string, body?: unknown): Promise<T> {
    try {
      return await this.json<T>(method, path, body);
    } catch (err) {
      if (err instanceof ApiError && err.missingRoute) throw new NotAvailableError(what, method, path);
      throw err;
    }
  }

  async text(path: string): Promise<string> {
    const res = await this.fetch('GET', path);
    const text = await res.text();
    if (!res.ok) throw errorFrom(res.status, text);
    return text;
  }

  async upload<T>(path: string, body: Buffer, contentType: string): Promise<T> {
    const res = await this.fetch('POST', path, new Uint8Array(body), contentType);
    return parse<T>(res);
  }

  /** Follow an SSE endpoint until `onMessage` returns true or the server sends `end`. */
  follow(path: string, onMessage: (m: SseMessage) => boolean | void, signal: AbortSignal, lastEventId?: string): Promise<void> {
    return followSse({
      url: `${this.connection.api}${path}`,
      headers: { authorization: `Bearer ${this.connection.token}` },
      lastEventId,
      signal,
      onMessage,
    }).catch((err: unknown) => {
      const status = (err as { status?: number }).status;
      const body = (err as { body?: string }).body;
      if (status !== undefined) throw errorFrom(status, body ?? '');
      throw err;
    });
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
    return parse<T>(res);
  }

  private async fetch(method: string, path: string, body?: string | Uint8Array, contentType?: string): Promise<Response> {
    try {
      return await fetch(`${this.connection.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.connection.token}`, ...(contentType ? { 'content-type': contentType } : {}) },
        body: body as BodyInit | undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Cannot reach the api at ${this.connection.api}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw errorFrom(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

function errorFrom(status: number, text: string): CliError {
  try {
    const body = JSON.parse(text) as { error?: ApiErrorBody };
    if (body.error?.message) return new ApiError(status, body.error);
  } catch {
    // not JSON
  }
  if (status === 401) return new ApiError(401, { code: 'UnauthorizedException', message: 'The api refused the token (401).' });
  return new ApiError(status, { code: `HTTP${status}`, message: `The api answered ${status}: ${text.slice(0, 500)}` });
}

/** A path segment, escaped. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
