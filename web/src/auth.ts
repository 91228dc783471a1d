/**
 * The API token: kept in sessionStorage (gone with the tab, never in a URL or a cookie) and sent
 * as a bearer token by api.ts and sse.ts.
 */
const KEY = 'cutover.token';

export function getToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Told when the API refuses the token (401): the app goes back to the sign-in form. */
export function onSignedOut(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function signOut(): void {
  clearToken();
  for (const fn of listeners) fn();
}
