/**
 * Routing on the URL's hash (`#/deployments/d-…`), so the api serves one page at `/` and no path
 * of the dashboard can collide with the API's. Filters live in the hash's query string, so a
 * filtered list can be bookmarked.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'deployments'; query: URLSearchParams }
  | { page: 'deployment'; id: string; query: URLSearchParams }
  | { page: 'instances'; query: URLSearchParams }
  | { page: 'applications'; query: URLSearchParams }
  | { page: 'notFound'; query: URLSearchParams };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart, search = ''] = raw.split('?', 2) as [string, string?];
  const query = new URLSearchParams(search);
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts[0] === 'deployments' && parts.length === 1)) return { page: 'deployments', query };
  if (parts[0] === 'deployments' && parts.length === 2) return { page: 'deployment', id: parts[1], query };
  if (parts[0] === 'instances' && parts.length === 1) return { page: 'instances', query };
  if (parts[0] === 'applications' && parts.length === 1) return { page: 'applications', query };
  return { page: 'notFound', query };
}

/** `#/path?query` with empty values left out. */
export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => !!e[1]);
  return `#${path}${entries.length ? `?${new URLSearchParams(entries).toString()}` : ''}`;
}

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
