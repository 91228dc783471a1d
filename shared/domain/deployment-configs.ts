/**
 * Deployment configs: the minimum of healthy hosts, CodeDeploy's predefined ones included.
 */

export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY';

export interface MinimumHealthyHosts {
  type: MinimumHealthyHostsType;
  value: number;
}

export interface DeploymentConfig {
  deploymentConfigName: string;
  deploymentConfigId: string;
  minimumHealthyHosts: MinimumHealthyHosts;
  computePlatform: 'Server';
  createTime: string;
}

/** CodeDeploy reports OneAtATime as MOST_CONCURRENCY 1, a type users cannot create themselves. */
const PREDEFINED: ReadonlyArray<[string, MinimumHealthyHosts]> = [
  ['CodeDeployDefault.OneAtATime', { type: 'MOST_CONCURRENCY', value: 1 }],
  ['CodeDeployDefault.HalfAtATime', { type: 'FLEET_PERCENT', value: 50 }],
  ['CodeDeployDefault.AllAtOnce', { type: 'HOST_COUNT', value: 0 }],
];

export const DEFAULT_DEPLOYMENT_CONFIG = 'CodeDeployDefault.OneAtATime';
export const PREDEFINED_PREFIX = 'CodeDeployDefault.';

export const PREDEFINED_CONFIGS: ReadonlyMap<string, DeploymentConfig> = new Map(
  PREDEFINED.map(([name, minimumHealthyHosts]) => [
    name,
    {
      deploymentConfigName: name,
      deploymentConfigId: name,
      minimumHealthyHosts,
      computePlatform: 'Server',
      createTime: '1970-01-01T00:00:00.000Z',
    },
  ]),
);
