/**
 * The one place that reads process.env: every variable is parsed here, all problems are reported
 * together at start-up, and the rest of the code receives a typed, resolved config.
 */
import path from 'node:path';
import * as z from 'zod';

export const WORKER_ROLES = ['scheduler', 'instance'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  CUTOVER_WORKER_CONCURRENCY: int(1, 1000).default(50),
  CUTOVER_WORKER_ROLES: z.string().default(WORKER_ROLES.join(',')),
});

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
  workerConcurrency: number;
  workerRoles: WorkerRole[];
}

export class ConfigError extends Error {}

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
    workerConcurrency: e.CUTOVER_WORKER_CONCURRENCY,
    workerRoles: roles as WorkerRole[],
  };
}
