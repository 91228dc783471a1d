import type { DeploymentSpec } from '../../shared/domain/types.js';

/** A plain in-place deployment spec for store-level tests. */
export function deploymentSpec(id: string, groupId = 'group-1', digest = 'a'.repeat(64)): DeploymentSpec {
  return {
    deploymentId: id,
    applicationName: 'app',
    deploymentGroupName: 'g',
    deploymentGroupId: groupId,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    revision: { revisionType: 'Bundle', digest },
    bundleType: 'tgz',
    creator: 'user',
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    instanceTagFilters: [],
    instanceTagSet: [],
    eventTimeoutSeconds: {},
  };
}
