/**
 * Deployment configs: the minimum of healthy hosts and, for blue/green, how traffic shifts;
 * CodeDeploy's predefined ones included.
 *
 * CodeDeploy's Lambda and ECS configs (…Canary10Percent5Minutes, …Linear10PercentEvery1Minute…)
 * have no minimum of healthy hosts; Cutover accepts them for server groups, installs the
 * replacement pool all at once under them (it takes no traffic yet, so nothing is at risk), and
 * shifts traffic as they say.
 */
import type { TrafficRoutingConfig } from './traffic-routing.js';
import { accountOf } from './access.js';

export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY';

export interface MinimumHealthyHosts {
  type: MinimumHealthyHostsType;
  value: number;
}

export interface DeploymentConfig {
  deploymentConfigName: string;
  deploymentConfigId: string;
  minimumHealthyHosts: MinimumHealthyHosts;
  /** Blue/green only: how traffic moves to the replacement pool (AllAtOnce when absent). */
  trafficRoutingConfig?: TrafficRoutingConfig;
  computePlatform: 'Server';
  createTime: string;
  /** A custom config's owning account (absent: DEFAULT_ACCOUNT); the predefined ones belong to none and every account sees them. */
  accountId?: string;
}

/** CodeDeploy reports OneAtATime as MOST_CONCURRENCY 1, a type users cannot create themselves. */
const PREDEFINED: ReadonlyArray<[string, MinimumHealthyHosts]> = [
  ['CodeDeployDefault.OneAtATime', { type: 'MOST_CONCURRENCY', value: 1 }],
  ['CodeDeployDefault.HalfAtATime', { type: 'FLEET_PERCENT', value: 50 }],
  ['CodeDeployDefault.AllAtOnce', { type: 'HOST_COUNT', value: 0 }],
];

const INSTALL_ALL_AT_ONCE: MinimumHealthyHosts = { type: 'HOST_COUNT', value: 0 };

function canary(percent: number, minutes: number): TrafficRoutingConfig {
  return { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent, canaryInterval: minutes } };
}
function linear(percent: number, minutes: number): TrafficRoutingConfig {
  return { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: percent, linearInterval: minutes } };
}

/** CodeDeploy's Lambda and ECS traffic configs, by name. */
const PREDEFINED_ROUTING: ReadonlyArray<[string, TrafficRoutingConfig]> = [
  ['CodeDeployDefault.LambdaAllAtOnce', { type: 'AllAtOnce' }],
  ['CodeDeployDefault.LambdaCanary10Percent5Minutes', canary(10, 5)],
  ['CodeDeployDefault.LambdaCanary10Percent10Minutes', canary(10, 10)],
  ['CodeDeployDefault.LambdaCanary10Percent15Minutes', canary(10, 15)],
  ['CodeDeployDefault.LambdaCanary10Percent30Minutes', canary(10, 30)],
  ['CodeDeployDefault.LambdaLinear10PercentEvery1Minute', linear(10, 1)],
  ['CodeDeployDefault.LambdaLinear10PercentEvery2Minutes', linear(10, 2)],
  ['CodeDeployDefault.LambdaLinear10PercentEvery3Minutes', linear(10, 3)],
  ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', linear(10, 10)],
  ['CodeDeployDefault.ECSAllAtOnce', { type: 'AllAtOnce' }],
  ['CodeDeployDefault.ECSCanary10Percent5Minutes', canary(10, 5)],
  ['CodeDeployDefault.ECSCanary10Percent15Minutes', canary(10, 15)],
  ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', linear(10, 1)],
  ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', linear(10, 3)],
];

export const DEFAULT_DEPLOYMENT_CONFIG = 'CodeDeployDefault.OneAtATime';
export const PREDEFINED_PREFIX = 'CodeDeployDefault.';

function predefined(name: string, minimumHealthyHosts: MinimumHealthyHosts, trafficRoutingConfig?: TrafficRoutingConfig): [string, DeploymentConfig] {
  return [
    name,
    {
      deploymentConfigName: name,
      deploymentConfigId: name,
      minimumHealthyHosts,
      ...(trafficRoutingConfig ? { trafficRoutingConfig } : {}),
      computePlatform: 'Server',
      createTime: '1970-01-01T00:00:00.000Z',
    },
  ];
}

/** A predefined config serves every account; a custom one only its own account's groups (and is invisible to others). */
export function configUsableBy(config: Pick<DeploymentConfig, 'deploymentConfigName' | 'accountId'>, accountId: string): boolean {
  return PREDEFINED_CONFIGS.has(config.deploymentConfigName) || accountOf(config) === accountId;
}

export const PREDEFINED_CONFIGS: ReadonlyMap<string, DeploymentConfig> = new Map([
  ...PREDEFINED.map(([name, minimumHealthyHosts]) => predefined(name, minimumHealthyHosts)),
  ...PREDEFINED_ROUTING.map(([name, routing]) => predefined(name, INSTALL_ALL_AT_ONCE, routing)),
]);
