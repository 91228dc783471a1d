/** The REST API under /v1, with the session's token. Errors carry the API's `{error:{code,message}}`. */
import { getToken, signOut } from './auth';
import type { Identity } from './identity';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown, token = getToken()): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      Accept: 'application/json, text/plain',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  if (!res.ok) {
    let code = `HTTP ${res.status}`;
    let message = res.statusText || 'The request failed.';
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      // not JSON
    }
    if (res.status === 401 && token === getToken()) signOut();
    throw new ApiError(res.status, code, message);
  }
  if ((res.headers.get('content-type') ?? '').includes('application/json')) return JSON.parse(text) as T;
  return text as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  /** Who a token is (the session's, or one being checked before it is kept). */
  whoami: (token?: string) => request<Identity>('GET', '/v1/whoami', undefined, token),
};

export function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => !!e[1]);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
