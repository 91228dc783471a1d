/**
 * Lifecycle event names and orders, as CodeDeploy documents them for EC2/on-premises hosts.
 * `lifecycleFor` is the single source of the order an instance walks.
 */

export const LIFECYCLE_EVENTS = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];

/** Events an appspec may attach scripts to (every event but the built-in ones). */
export const HOOK_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const satisfies readonly LifecycleEventName[];
export type HookEventName = (typeof HOOK_EVENTS)[number];

/** Events the control plane performs itself through the load balancer, never the agent. */
export const TRAFFIC_EVENTS = ['BlockTraffic', 'AllowTraffic'] as const satisfies readonly LifecycleEventName[];
export type TrafficEventName = (typeof TRAFFIC_EVENTS)[number];

/**
 * Hooks that run the scripts of the last revision that installed successfully on the host,
 * not the new one (the agent's `LastSuccessfulOrIgnore` mapping). With no such revision they are skipped.
 */
export const PREVIOUS_REVISION_EVENTS = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop'] as const;

export function isHookEvent(name: string): name is HookEventName {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

export function isTrafficEvent(name: LifecycleEventName): name is TrafficEventName {
  return (TRAFFIC_EVENTS as readonly string[]).includes(name);
}

export function usesPreviousRevision(name: LifecycleEventName): boolean {
  return (PREVIOUS_REVISION_EVENTS as readonly string[]).includes(name);
}

const IN_PLACE: readonly LifecycleEventName[] = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];

export type DeploymentType = 'IN_PLACE' | 'BLUE_GREEN';

/**
 * The order one instance walks. In place without a load balancer: ApplicationStop … ValidateService.
 * With one, CodeDeploy wraps it in the block/allow traffic events.
 */
export function lifecycleFor(style: DeploymentType, withLoadBalancer: boolean): readonly LifecycleEventName[] {
  if (style === 'BLUE_GREEN') {
    throw new Error('blue/green lifecycles are not built yet');
  }
  if (!withLoadBalancer) return IN_PLACE;
  return [
    'BeforeBlockTraffic',
    'BlockTraffic',
    'AfterBlockTraffic',
    ...IN_PLACE,
    'BeforeAllowTraffic',
    'AllowTraffic',
    'AfterAllowTraffic',
  ];
}
