/**
 * The one place that reads process.env: every variable is parsed here, all problems are reported
 * together at start-up, and the rest of the code receives a typed, resolved config.
 */
import path from 'node:path';
import * as z from 'zod';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES } from './bundle/limits.js';

export const WORKER_ROLES = ['scheduler', 'instance', 'traffic', 'notifier', 'revision'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Shared by the server's config and the agent's (loadBundleLimits): both must agree on what a bundle may be. */
function bundleLimitVars() {
  return {
    CUTOVER_BUNDLE_MAX_ENTRIES: int(1, 10_000_000).default(DEFAULT_MAX_ENTRIES),
    CUTOVER_BUNDLE_MAX_UNPACKED_BYTES: int(1024, 64 * 1024 ** 4).default(DEFAULT_MAX_BYTES),
  };
}

const EnvSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  CUTOVER_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('cutover'),
  CUTOVER_DATA_DIR: z.string().min(1).default('./data'),
  CUTOVER_ADMIN_TOKEN: z.string().min(16).optional(),
  CUTOVER_ENROLL_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: int(2, 3600).default(30),
  CUTOVER_POLL_WAIT_SECONDS: int(1, 60).optional(),
  CUTOVER_SWEEP_INTERVAL_MS: int(200, 60_000).optional(),
  CUTOVER_COMMAND_GRACE_SECONDS: int(1, 3600).default(300),
  CUTOVER_MAX_BUNDLE_BYTES: int(1024, 16 * 1024 ** 3).default(1024 ** 3),
  ...bundleLimitVars(),
  CUTOVER_LOG_RETENTION_DAYS: int(1, 3650).default(14),
  CUTOVER_WORKER_CONCURRENCY: int(1, 1000).default(50),
  CUTOVER_WORKER_ROLES: z.string().default(WORKER_ROLES.join(',')),
  CUTOVER_WATCHDOG_STALL_SECONDS: int(2, 3600).default(60),
  // Load balancers (BlockTraffic/AllowTraffic) and the built-in router process.
  CUTOVER_TRAFFIC_POLL_MS: int(50, 60_000).default(1000),
  CUTOVER_TRAFFIC_CALL_TIMEOUT_MS: int(100, 60_000).default(3000),
  // Notifications (triggers) and git-host webhooks.
  CUTOVER_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CUTOVER_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  CUTOVER_SMTP_FROM: z.string().min(3).default('Cutover <cutover@localhost>'),
  CUTOVER_NOTIFY_ATTEMPTS: int(8, 100).default(10),
  CUTOVER_NOTIFY_BACKOFF_MS: int(10, 3_600_000).default(2000),
  CUTOVER_NOTIFY_MAX_BACKOFF_MS: int(100, 24 * 3_600_000).default(15 * 60_000),
  CUTOVER_NOTIFY_TIMEOUT_MS: int(500, 120_000).default(10_000),
  CUTOVER_NOTIFY_RATE_LIMIT: int(1, 100_000).default(30),
  CUTOVER_NOTIFY_RATE_WINDOW_MS: int(100, 3_600_000).default(60_000),
  CUTOVER_NOTIFY_DISPATCH_INTERVAL_MS: int(100, 60_000).default(1000),
  CUTOVER_MAX_WEBHOOK_BYTES: int(1024, 64 * 1024 ** 2).default(25 * 1024 ** 2),
  CUTOVER_GIT_CREDENTIALS: z.string().optional(),
  CUTOVER_GIT_ALLOW_LOCAL: z.enum(['true', 'false', '1', '0']).default('false'),
  CUTOVER_GIT_TIMEOUT_SECONDS: int(5, 3600).default(300),
  // The api's edges (api/edges/): body sizes, deadlines, rate limits, CORS, proxies.
  CUTOVER_MAX_JSON_BYTES: int(1024, 64 * 1024 ** 2).default(256 * 1024),
  CUTOVER_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  CUTOVER_UPLOAD_TIMEOUT_MS: int(1000, 24 * 3_600_000).default(15 * 60_000),
  CUTOVER_RATE_LIMIT_WINDOW_SECONDS: int(1, 3600).default(10),
  CUTOVER_RATE_LIMIT_PER_TOKEN: int(0, 100_000_000).default(50_000),
  CUTOVER_RATE_LIMIT_PER_IP: int(0, 100_000_000).default(100_000),
  CUTOVER_TRUST_PROXY: z.string().regex(/^[A-Za-z0-9.:/, _-]{1,1000}$/).optional(),
  CUTOVER_CORS_ORIGINS: z.string().optional(),
});

/** `CUTOVER_WEBHOOK_SECRET_<REF>=<secret>`: the secret a group's `gitSource.secretRef` names. */
const WEBHOOK_SECRET_PREFIX = 'CUTOVER_WEBHOOK_SECRET_';

/** The env-var suffix of a secretRef: `github-main` → `GITHUB_MAIN`. */
export function secretRefKey(ref: string): string {
  return ref.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface GitCredential {
  host: string;
  username: string;
  password: string;
}

export interface NotifyConfig {
  /** Base of links in messages (`<publicUrl>/v1/deployments/<id>`). */
  publicUrl?: string;
  smtpUrl?: string;
  smtpFrom: string;
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** One send's deadline (SMTP conversation, HTTP request). */
  timeoutMs: number;
  /** At most `rateLimit` sends per target per `rateWindowMs`. */
  rateLimit: number;
  rateWindowMs: number;
  dispatchIntervalMs: number;
}

export interface GitConfig {
  /** Webhook secrets by normalised secretRef (see secretRefKey). */
  webhookSecrets: Record<string, string>;
  /** Old secrets during a rotation, each accepted (besides the current one) until its time. */
  previousWebhookSecrets: Record<string, { secret: string; until: Date }>;
  maxWebhookBytes: number;
  /** Per host, for private repositories; handed to git through GIT_ASKPASS, never in a URL or argv. */
  credentials: GitCredential[];
  /** Allow file:// and path clone URLs (tests, mirrors on the worker's disk). */
  allowLocal: boolean;
  timeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** Key prefix; wrapped in a hash tag so a Redis Cluster keeps one deployment's keys together. */
  redisPrefix: string;
  dataDir: string;
  adminToken?: string;
  enrollToken?: string;
  logLevel: string;
  heartbeatTimeoutMs: number;
  /** How long the api holds an agent's poll open; below the heartbeat timeout so a poll is a heartbeat. */
  pollWaitMs: number;
  /** How often the sweeper looks for silent agents, overdue commands and stuck deployments. */
  sweepIntervalMs: number;
  commandGraceMs: number;
  maxBundleBytes: number;
  /** What one bundle may unpack to, checked at upload and again on the host (decompression bombs). */
  bundleLimits: BundleLimitsConfig;
  /** How long script logs (per lifecycle event, capped) are kept after their last line. */
  logRetentionSeconds: number;
  workerConcurrency: number;
  workerRoles: WorkerRole[];
  /** A worker whose queue has not moved for this long (jobs waiting, none started) is replaced (workers/watchdog.ts). */
  watchdogStallMs: number;
  traffic: TrafficConfig;
  notify: NotifyConfig;
  git: GitConfig;
  edges: EdgesConfig;
}

export interface EdgesConfig {
  /** Largest JSON body of a REST request (agent reports have their own, larger bound in api/app.ts). */
  maxJsonBytes: number;
  /** A request not answered by then gets 503 (408 while its body is still arriving); SSE and long polls are exempt. */
  requestTimeoutMs: number;
  /** The same for a bundle upload, which may be large. */
  uploadTimeoutMs: number;
  /** Fixed-window rate limits, counted in Redis so every api replica shares them; 0 turns one off. */
  rateLimit: { windowMs: number; perToken: number; perIp: number };
  /** Express's `trust proxy` (whose X-Forwarded-For names the client); false unless configured. */
  trustProxy: boolean | number | string;
  /** Browser origins allowed to call the API; none (CORS off) unless configured. */
  corsOrigins: string[];
}

export interface TrafficConfig {
  /** How often a draining (BlockTraffic) or registering (AllowTraffic) instance looks at the load balancer again. */
  pollMs: number;
  /** Bound on every call to a load balancer (router admin API, HAProxy socket): an unreachable one fails, never hangs. */
  callTimeoutMs: number;
}

export interface BundleLimitsConfig {
  /** Most entries (files, directories, links) in one bundle. */
  maxEntries: number;
  /** Most bytes one bundle unpacks to. */
  maxBytes: number;
}

export class ConfigError extends Error {}

/** The agent's only environment settings: the same bundle bounds the api applies at upload. */
export function loadBundleLimits(env: NodeJS.ProcessEnv = process.env): BundleLimitsConfig {
  const parsed = z.object(bundleLimitVars()).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return { maxEntries: parsed.data.CUTOVER_BUNDLE_MAX_ENTRIES, maxBytes: parsed.data.CUTOVER_BUNDLE_MAX_UNPACKED_BYTES };
}

const RouterEnvSchema = z.object({
  CUTOVER_ROUTER_TOKEN: z.string().min(16, 'the router admin token needs at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The built-in router's environment (its other settings are command-line flags, see router/main.ts). */
export function loadRouterEnv(env: NodeJS.ProcessEnv = process.env): { adminToken?: string; logLevel: string } {
  const parsed = RouterEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return { adminToken: parsed.data.CUTOVER_ROUTER_TOKEN, logLevel: parsed.data.LOG_LEVEL };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const roles = e.CUTOVER_WORKER_ROLES.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) {
    throw new ConfigError(`Invalid environment:\n  CUTOVER_WORKER_ROLES: unknown role(s) ${unknown.join(', ')}; known: ${WORKER_ROLES.join(', ')}`);
  }
  const heartbeatTimeoutMs = e.CUTOVER_HEARTBEAT_TIMEOUT_SECONDS * 1000;
  const git = parseGitEnv(env, e.CUTOVER_GIT_CREDENTIALS);
  const corsOrigins = parseOrigins(e.CUTOVER_CORS_ORIGINS);
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.CUTOVER_REDIS_PREFIX,
    dataDir: path.resolve(e.CUTOVER_DATA_DIR),
    adminToken: e.CUTOVER_ADMIN_TOKEN,
    enrollToken: e.CUTOVER_ENROLL_TOKEN,
    logLevel: e.LOG_LEVEL,
    heartbeatTimeoutMs,
    pollWaitMs: (e.CUTOVER_POLL_WAIT_SECONDS ?? Math.min(20, Math.floor(e.CUTOVER_HEARTBEAT_TIMEOUT_SECONDS / 2))) * 1000,
    sweepIntervalMs: e.CUTOVER_SWEEP_INTERVAL_MS ?? Math.min(5000, Math.floor(heartbeatTimeoutMs / 3)),
    commandGraceMs: e.CUTOVER_COMMAND_GRACE_SECONDS * 1000,
    maxBundleBytes: e.CUTOVER_MAX_BUNDLE_BYTES,
    bundleLimits: { maxEntries: e.CUTOVER_BUNDLE_MAX_ENTRIES, maxBytes: e.CUTOVER_BUNDLE_MAX_UNPACKED_BYTES },
    logRetentionSeconds: e.CUTOVER_LOG_RETENTION_DAYS * 24 * 3600,
    workerConcurrency: e.CUTOVER_WORKER_CONCURRENCY,
    workerRoles: roles as WorkerRole[],
    watchdogStallMs: e.CUTOVER_WATCHDOG_STALL_SECONDS * 1000,
    traffic: { pollMs: e.CUTOVER_TRAFFIC_POLL_MS, callTimeoutMs: e.CUTOVER_TRAFFIC_CALL_TIMEOUT_MS },
    notify: {
      publicUrl: e.CUTOVER_PUBLIC_URL?.replace(/\/+$/, ''),
      smtpUrl: e.CUTOVER_SMTP_URL,
      smtpFrom: e.CUTOVER_SMTP_FROM,
      attempts: e.CUTOVER_NOTIFY_ATTEMPTS,
      backoffMs: e.CUTOVER_NOTIFY_BACKOFF_MS,
      maxBackoffMs: e.CUTOVER_NOTIFY_MAX_BACKOFF_MS,
      timeoutMs: e.CUTOVER_NOTIFY_TIMEOUT_MS,
      rateLimit: e.CUTOVER_NOTIFY_RATE_LIMIT,
      rateWindowMs: e.CUTOVER_NOTIFY_RATE_WINDOW_MS,
      dispatchIntervalMs: e.CUTOVER_NOTIFY_DISPATCH_INTERVAL_MS,
    },
    git: {
      ...git,
      maxWebhookBytes: e.CUTOVER_MAX_WEBHOOK_BYTES,
      allowLocal: e.CUTOVER_GIT_ALLOW_LOCAL === 'true' || e.CUTOVER_GIT_ALLOW_LOCAL === '1',
      timeoutMs: e.CUTOVER_GIT_TIMEOUT_SECONDS * 1000,
    },
    edges: {
      maxJsonBytes: e.CUTOVER_MAX_JSON_BYTES,
      requestTimeoutMs: e.CUTOVER_REQUEST_TIMEOUT_MS,
      uploadTimeoutMs: e.CUTOVER_UPLOAD_TIMEOUT_MS,
      rateLimit: { windowMs: e.CUTOVER_RATE_LIMIT_WINDOW_SECONDS * 1000, perToken: e.CUTOVER_RATE_LIMIT_PER_TOKEN, perIp: e.CUTOVER_RATE_LIMIT_PER_IP },
      trustProxy: parseTrustProxy(e.CUTOVER_TRUST_PROXY),
      corsOrigins,
    },
  };
}

/** `true`/`false`, a hop count, or addresses/subnets/`loopback`… as Express's `trust proxy` takes them. */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** `https://a.example,http://localhost:5173`: exact origins (scheme, host, port), no paths, no wildcards. */
function parseOrigins(value: string | undefined): string[] {
  const origins = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = origins.filter((o) => {
    try {
      const url = new URL(o);
      return url.origin !== o || !/^https?:$/.test(url.protocol);
    } catch {
      return true;
    }
  });
  if (bad.length > 0) throw new ConfigError(`Invalid environment:\n  CUTOVER_CORS_ORIGINS: not an origin (scheme://host[:port], no path): ${bad.join(', ')}`);
  return origins;
}

/**
 * Webhook secrets (`CUTOVER_WEBHOOK_SECRET_<REF>`) and git credentials (`host=user:token,...`).
 * Rotation: `CUTOVER_WEBHOOK_SECRET_<REF>_PREVIOUS` keeps the old secret valid, next to the new
 * one, until `CUTOVER_WEBHOOK_SECRET_<REF>_PREVIOUS_UNTIL` (an ISO 8601 time, required so an old
 * secret cannot be forgotten forever): set the new secret here, then on the git host, then let
 * the overlap end. The suffixes are reserved: no secretRef may end in `_PREVIOUS`.
 */
function parseGitEnv(env: NodeJS.ProcessEnv, credentials: string | undefined): Pick<GitConfig, 'webhookSecrets' | 'previousWebhookSecrets' | 'credentials'> {
  const problems: string[] = [];
  const webhookSecrets: Record<string, string> = {};
  const previous: Record<string, string> = {};
  const untils: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(WEBHOOK_SECRET_PREFIX) || value === undefined) continue;
    const key = name.slice(WEBHOOK_SECRET_PREFIX.length);
    const ref = key.replace(/_PREVIOUS(_UNTIL)?$/, '');
    if (!/^[A-Z0-9_]{1,64}$/.test(ref)) problems.push(`  ${name}: the part after ${WEBHOOK_SECRET_PREFIX} must be 1 to 64 of A-Z, 0-9 and _`);
    else if (key.endsWith('_PREVIOUS_UNTIL')) untils[ref] = value;
    else if (value.length < 8) problems.push(`  ${name}: a webhook secret needs at least 8 characters`);
    else if (key.endsWith('_PREVIOUS')) previous[ref] = value;
    else webhookSecrets[ref] = value;
  }
  const previousWebhookSecrets: GitConfig['previousWebhookSecrets'] = {};
  for (const ref of new Set([...Object.keys(previous), ...Object.keys(untils)])) {
    const name = `${WEBHOOK_SECRET_PREFIX}${ref}_PREVIOUS`;
    const until = untils[ref] === undefined ? Number.NaN : Date.parse(untils[ref]);
    if (webhookSecrets[ref] === undefined) problems.push(`  ${name}: a previous secret needs the current one, ${WEBHOOK_SECRET_PREFIX}${ref}`);
    else if (previous[ref] === undefined) problems.push(`  ${name}_UNTIL: there is no ${name} to end`);
    else if (!/^\d{4}-\d{2}-\d{2}T/.test(untils[ref] ?? '') || Number.isNaN(until)) problems.push(`  ${name}_UNTIL: required with ${name}, an ISO 8601 time (2026-12-01T12:00:00Z) when the old secret stops working`);
    else previousWebhookSecrets[ref] = { secret: previous[ref], until: new Date(until) };
  }
  const creds: GitCredential[] = [];
  for (const entry of (credentials ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9.-]+(?::\d+)?)=([^:]+):(.+)$/.exec(entry);
    // Never echo the entry: it holds a token.
    if (!match) problems.push('  CUTOVER_GIT_CREDENTIALS: each entry must be host=username:token (entries separated by commas)');
    else creds.push({ host: match[1].toLowerCase(), username: match[2], password: match[3] });
  }
  if (problems.length > 0) throw new ConfigError(`Invalid environment:\n${problems.join('\n')}`);
  return { webhookSecrets, previousWebhookSecrets, credentials: creds };
}
