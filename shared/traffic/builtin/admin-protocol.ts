/**
 * The built-in router's admin API (router/admin-server.ts serves it, ./builtin-router.ts calls it).
 * Bearer token on every route but /healthz; errors are `{"error":{"code","message","details"}}`.
 *
 *   GET    /healthz                                   liveness (no token)
 *   GET    /v1/pools                                  every pool, its targets and counters
 *   GET    /v1/pools/:pool                            one pool
 *   GET    /v1/pools/:pool/targets/:id                one target (404 when not registered)
 *   PUT    /v1/pools/:pool/targets/:id                register or update {address, weight?, healthCheck?}
 *   POST   /v1/pools/:pool/targets/:id/drain          no new requests; in-flight ones finish
 *   PUT    /v1/pools/:pool/targets/:id/weight         {weight}
 *   DELETE /v1/pools/:pool/targets/:id                remove (204, also when absent)
 */
import * as z from 'zod';
import type { AdminState, HealthState } from '../traffic-router.js';

export const TargetIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'letters, digits, ".", "_", ":" and "-", at most 100');
export const PoolNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-", at most 64');

export const HealthCheckBody = z.strictObject({
  path: z.string().regex(/^\/[\x21-\x7e]*$/, 'an absolute path without spaces').max(1024),
  intervalSeconds: z.number().min(0.05).max(300),
  timeoutSeconds: z.number().min(0.05).max(120),
  healthyThresholdCount: z.number().int().min(1).max(10),
  unhealthyThresholdCount: z.number().int().min(1).max(10),
});

export const WeightSchema = z.number().int().min(0).max(256);

export const RegisterTargetBody = z.strictObject({
  address: z.string().min(3).max(300),
  weight: WeightSchema.optional(),
  healthCheck: HealthCheckBody.optional(),
});
export type RegisterTargetBody = z.infer<typeof RegisterTargetBody>;

export const SetWeightBody = z.strictObject({ weight: WeightSchema });

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface CountersView {
  requests: number;
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** No answer from the upstream (connection refused or reset, timeout): the client got a 502. */
  errors: number;
  /** Requests sent again to another target after a connection failure (idempotent, bodyless only). */
  retries: number;
  latency: LatencySummary;
}

export interface AdminTargetView {
  id: string;
  address: string;
  weight: number;
  admin: Exclude<AdminState, 'out-of-service'>;
  health: HealthState;
  activeRequests: number;
  healthCheck: z.infer<typeof HealthCheckBody>;
  lastHealthCheck?: { at: string; ok: boolean; detail: string };
  counters: CountersView;
}

export interface PoolView {
  name: string;
  listen: string;
  counters: CountersView & { noTarget: number };
  targets: AdminTargetView[];
}
