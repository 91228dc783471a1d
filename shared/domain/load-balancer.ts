/**
 * A deployment group's load balancer (CodeDeploy's `loadBalancerInfo`, reshaped for the routers
 * Cutover drives) and the pure rules around it: where each instance's traffic goes, and whether a
 * deployment can start with the instances it targets.
 *
 * CodeDeploy finds an EC2 instance in a target group by its instance id; an on-premises host has no
 * such id, so each host names its own address with a tag (`cutover:target=10.0.0.5:8080` by
 * default), set with the agent's `--tags`. The address is read once, when the deployment starts,
 * and kept on the instance's target record, so a tag changed mid-deployment cannot split it.
 */
import type { Tags } from './tag-filters.js';

export type TrafficDriverName = 'builtin' | 'haproxy';

export interface HealthCheckSettings {
  /** HTTP path the router requests; 200–399 is healthy. HAProxy uses its backend's `option httpchk` instead. */
  path: string;
  intervalSeconds: number;
  /** Per check (built-in router; HAProxy uses its backend's `timeout check`). */
  timeoutSeconds: number;
  /** Consecutive passes before a target takes traffic (ELB's HealthyThresholdCount). */
  healthyThresholdCount: number;
  /** Consecutive failures before a target stops taking traffic. */
  unhealthyThresholdCount: number;
}

export interface LoadBalancerInfo {
  driver: TrafficDriverName;
  /** The built-in router's pool, or the HAProxy backend. */
  targetGroupName: string;
  /** The instance tag holding `host:port`, where the load balancer sends this host's traffic. */
  targetAddressTag: string;
  /** Weight each registered host gets (1–256, HAProxy's range). */
  weight: number;
  /** BlockTraffic waits for in-flight requests to finish for at most this long (ELB's deregistration delay). */
  deregistrationDelaySeconds: number;
  /** AllowTraffic fails the instance when its health check has not passed within this time. */
  healthyTimeoutSeconds: number;
  healthCheck: HealthCheckSettings;
  builtin?: { adminUrl: string; adminToken: string };
  haproxy?: { socketPath: string };
}

export const DEFAULT_TARGET_ADDRESS_TAG = 'cutover:target';

export const DEFAULT_HEALTH_CHECK: HealthCheckSettings = {
  path: '/healthz',
  intervalSeconds: 5,
  timeoutSeconds: 2,
  healthyThresholdCount: 3,
  unhealthyThresholdCount: 2,
};

/** CodeDeploy's ErrorInformation codes for load balancer problems found when a deployment starts. */
export const LoadBalancerErrorCode = {
  /** WITH_TRAFFIC_CONTROL but no loadBalancerInfo. */
  MISSING_ELB_INFORMATION: 'MISSING_ELB_INFORMATION',
  /** An instance the load balancer cannot take (here: it has no usable target address). */
  ELB_INVALID_INSTANCE: 'ELB_INVALID_INSTANCE',
} as const;

export interface TargetAddress {
  host: string;
  port: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;

/** `host:port` (IPv6 in brackets) → parts, or undefined when it is not one. */
export function parseTargetAddress(text: string): TargetAddress | undefined {
  const match = HOST_PORT.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

export function formatTargetAddress(address: TargetAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

export type TrafficPlan =
  | { ok: true; withLoadBalancer: false }
  | { ok: true; withLoadBalancer: true; addresses: ReadonlyMap<string, string> }
  | { ok: false; code: string; message: string };

/**
 * Decide at start whether the deployment drives a load balancer, and resolve every instance's
 * target address. An instance without one fails the deployment now (ELB_INVALID_INSTANCE), not halfway.
 */
export function planTraffic(
  deploymentOption: 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL',
  lb: LoadBalancerInfo | undefined,
  instances: readonly { instanceName: string; tags: Tags }[],
): TrafficPlan {
  if (deploymentOption !== 'WITH_TRAFFIC_CONTROL') return { ok: true, withLoadBalancer: false };
  if (!lb) {
    return {
      ok: false,
      code: LoadBalancerErrorCode.MISSING_ELB_INFORMATION,
      message: 'The deployment group uses WITH_TRAFFIC_CONTROL but has no loadBalancerInfo.',
    };
  }
  const addresses = new Map<string, string>();
  const problems: string[] = [];
  for (const instance of instances) {
    const raw = instance.tags[lb.targetAddressTag];
    const parsed = raw === undefined ? undefined : parseTargetAddress(raw);
    if (parsed) addresses.set(instance.instanceName, formatTargetAddress(parsed));
    else problems.push(raw === undefined ? `${instance.instanceName} has no ${lb.targetAddressTag} tag` : `${instance.instanceName}'s ${lb.targetAddressTag} tag "${raw}" is not host:port`);
  }
  if (problems.length > 0) {
    return {
      ok: false,
      code: LoadBalancerErrorCode.ELB_INVALID_INSTANCE,
      message:
        `The load balancer cannot take ${problems.length === 1 ? 'an instance' : `${problems.length} instances`} of this deployment: ` +
        `${problems.join('; ')}. Start each agent with --tags ${lb.targetAddressTag}=HOST:PORT (the address its application serves on).`,
    };
  }
  return { ok: true, withLoadBalancer: true, addresses };
}
