/**
 * A git host's webhooks behind one interface (GitHub, GitLab: one folder each): who signed the
 * request, its delivery id, and what it says, parsed from the raw body. Everything here is pure
 * or nearly so; the route (api/routes/webhooks.ts) records and queues.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { GitProvider } from '../domain/triggers.js';

export interface PushEvent {
  /** `owner/name`, as the host spells it. */
  repository: string;
  ref: string;
  /** The branch name when `ref` is refs/heads/…. */
  branch?: string;
  isTag: boolean;
  /** The ref was deleted (`after` is all zeros). */
  deleted: boolean;
  /** The pushed head commit (`after`). */
  commitId: string;
  cloneUrl?: string;
  pusher?: string;
  headCommitMessage?: string;
}

export type HookEvent = { kind: 'ping' } | { kind: 'push'; push: PushEvent } | { kind: 'other'; reason: string; repository?: string };

export interface GitHost {
  readonly provider: GitProvider;
  /** The header that carries the delivery id, for messages. */
  readonly deliveryHeader: string;
  /**
   * Which configured secret (its normalised secretRef) authenticates this request, comparing in
   * constant time; undefined when none does (or the signature is missing).
   */
  authenticate(headers: IncomingHttpHeaders, rawBody: Buffer, secrets: Readonly<Record<string, string>>): Promise<string | undefined>;
  deliveryId(headers: IncomingHttpHeaders): string | undefined;
  eventName(headers: IncomingHttpHeaders): string;
  /** Throws an InvalidInputError when an event it handles is malformed. */
  parse(eventName: string, payload: unknown): HookEvent;
}

export const ZERO_COMMIT = /^0+$/;

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function refParts(ref: string): { branch?: string; isTag: boolean } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length), isTag: false };
  return { isTag: ref.startsWith('refs/tags/') };
}

export function firstLine(message: string | null | undefined): string | undefined {
  const line = message?.split('\n', 1)[0]?.trim();
  return line ? line.slice(0, 200) : undefined;
}
