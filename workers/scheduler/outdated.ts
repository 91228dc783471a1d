/**
 * updateOutdatedInstancesOnly (CodeDeploy's option of the same name): a redeploy goes only to the
 * instances that do not already run the deployment's revision, as each instance recorded it when a
 * deployment of this group last ended there (write-target.lua; see isOutdated: a host where the
 * last deployment failed, or that was never deployed to, is outdated).
 */
import type { Store } from '../../shared/store/index.js';
import type { DeploymentSpec, ErrorInformation } from '../../shared/domain/types.js';
import { isOutdated } from '../../shared/domain/revision-health.js';

export interface OutdatedSelection<T> {
  instances: T[];
  /** Targeted instances left out because they already run the revision. */
  current: number;
}

export async function selectOutdated<T extends { instanceName: string }>(
  store: Store,
  spec: Pick<DeploymentSpec, 'updateOutdatedInstancesOnly' | 'deploymentGroupId' | 'revision'>,
  instances: T[],
): Promise<OutdatedSelection<T>> {
  if (!spec.updateOutdatedInstancesOnly) return { instances, current: 0 };
  const revisions = await store.control.instanceRevisions(spec.deploymentGroupId, instances.map((i) => i.instanceName));
  const outdated = instances.filter((i) => isOutdated(revisions.get(i.instanceName), spec.revision.digest));
  return { instances: outdated, current: instances.length - outdated.length };
}

/** Why nothing was deployed when every targeted instance was already current. */
export function nothingOutdatedError(spec: Pick<DeploymentSpec, 'deploymentGroupName' | 'revision'>, current: number): ErrorInformation {
  return {
    code: 'NO_INSTANCES',
    message:
      `updateOutdatedInstancesOnly is set and all ${current} instance(s) of deployment group ${spec.deploymentGroupName} ` +
      `already run revision ${spec.revision.digest.slice(0, 12)}: there is nothing to deploy.`,
  };
}
