/**
 * Which requests the edges treat differently, read from the route table (api/openapi-routes.ts)
 * so a new SSE route or upload is handled without a second list to keep in step:
 *   stream — answers text/event-stream, or is the agent's long poll: open for as long as it lasts
 *   upload — takes a bundle as its body: a larger body and a longer deadline
 */
import { ROUTE_DOCS } from '../openapi-routes.js';
import type { RouteDoc } from '../openapi.js';

export type RouteKind = 'stream' | 'upload' | 'plain';

/** The agent's poll is held open up to CUTOVER_POLL_WAIT_SECONDS (≤ 60 s): a long poll, not a slow request. */
const LONG_POLLS = new Set(['post /agent/v1/poll']);

interface Matcher {
  method: string;
  pattern: RegExp;
  kind: RouteKind;
}

function kindOf(route: RouteDoc): RouteKind {
  if (route.response.contentType === 'text/event-stream' || LONG_POLLS.has(`${route.method} ${route.path}`)) return 'stream';
  const body = route.body;
  if (body && 'contentTypes' in body && body.contentTypes.includes('application/gzip')) return 'upload';
  return 'plain';
}

function toPattern(path: string): RegExp {
  const escaped = path.split(/([:*][A-Za-z0-9_]+)/).map((part) => (/^[:*]/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${escaped.join('')}/?$`);
}

const MATCHERS: Matcher[] = ROUTE_DOCS.map((route) => ({ method: route.method.toUpperCase(), pattern: toPattern(route.path), kind: kindOf(route) })).filter((m) => m.kind !== 'plain');

export function routeKind(method: string, path: string): RouteKind {
  return MATCHERS.find((m) => m.method === method && m.pattern.test(path))?.kind ?? 'plain';
}
