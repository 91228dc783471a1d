/**
 * A deployment group's `loadBalancerInfo` as the REST API takes it (strict: a misspelt field is a
 * 400), with defaults filled in, and as it gives it back: the router admin token never leaves in clear.
 */
import * as z from 'zod';
import { DEFAULT_HEALTH_CHECK, DEFAULT_TARGET_ADDRESS_TAG, type LoadBalancerInfo } from '../shared/domain/load-balancer.js';
import { HealthCheckBody, PoolNameSchema } from '../shared/traffic/builtin/admin-protocol.js';

export const REDACTED = '[redacted]';

const HealthCheckInput = HealthCheckBody.partial()
  .prefault({})
  .transform((h) => ({ ...DEFAULT_HEALTH_CHECK, ...Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) }))
  .refine((h) => h.timeoutSeconds <= h.intervalSeconds, { message: 'timeoutSeconds must not exceed intervalSeconds', path: ['timeoutSeconds'] });

export const LoadBalancerInfoBody = z
  .strictObject({
    driver: z.enum(['builtin', 'haproxy']),
    /** The built-in router's pool or the HAProxy backend. */
    targetGroupName: PoolNameSchema,
    targetAddressTag: z.string().min(1).max(128).default(DEFAULT_TARGET_ADDRESS_TAG),
    weight: z.number().int().min(1).max(256).default(100),
    deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(30),
    healthyTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
    healthCheck: HealthCheckInput,
    builtin: z
      .strictObject({
        adminUrl: z.url({ protocol: /^https?$/, message: 'an http(s) URL, e.g. http://127.0.0.1:9901' }),
        adminToken: z.string().min(16, 'at least 16 characters').max(512),
      })
      .optional(),
    haproxy: z
      .strictObject({
        // sun_path holds 108 bytes.
        socketPath: z.string().regex(/^\//, 'an absolute path').max(107),
      })
      .optional(),
  })
  .refine((lb) => lb.driver !== 'builtin' || lb.builtin !== undefined, { message: 'the builtin driver needs builtin: {adminUrl, adminToken}', path: ['builtin'] })
  .refine((lb) => lb.driver !== 'haproxy' || lb.haproxy !== undefined, { message: 'the haproxy driver needs haproxy: {socketPath}', path: ['haproxy'] })
  .refine((lb) => !(lb.driver === 'builtin' && lb.haproxy) && !(lb.driver === 'haproxy' && lb.builtin), {
    message: 'give only the settings of the driver you chose',
    path: ['driver'],
  })
  .transform((lb): LoadBalancerInfo => lb);

/** The same settings with the admin token masked: what GET answers. */
export function redactLoadBalancerInfo(lb: LoadBalancerInfo | undefined): LoadBalancerInfo | undefined {
  if (!lb?.builtin) return lb;
  return { ...lb, builtin: { ...lb.builtin, adminToken: REDACTED } };
}

export function withRedactedLoadBalancer<T extends { loadBalancerInfo?: LoadBalancerInfo }>(record: T): T {
  return record.loadBalancerInfo ? { ...record, loadBalancerInfo: redactLoadBalancerInfo(record.loadBalancerInfo) } : record;
}
