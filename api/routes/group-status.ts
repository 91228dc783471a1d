/**
 * What a deployment group reports about its deployments and hosts: CodeDeploy's
 * lastSuccessfulDeployment / lastAttemptedDeployment / targetRevision, and, per targeted
 * instance, the revision it runs and whether that is outdated (GET …/deployment-groups/:group/instances).
 */
import type { ApiDeps } from '../context.js';
import type { DeploymentGroup, LastDeploymentInfo, RevisionLocation } from '../../shared/domain/types.js';
import { targetedInstances } from '../../shared/domain/instance-ownership.js';
import { accountOf } from '../../shared/domain/access.js';
import { revisionHealth, type RevisionHealth } from '../../shared/domain/revision-health.js';
import type { DeploymentState } from '../../shared/store/deployments.js';

export interface GroupStatus {
  lastSuccessfulDeployment?: LastDeploymentInfo;
  lastAttemptedDeployment?: LastDeploymentInfo;
  /** The revision of the last attempted deployment: what the group's instances should run. */
  targetRevision?: RevisionLocation;
}

export interface GroupInstance {
  instanceName: string;
  /** The revision the last deployment of this group that reached the instance installed… */
  revision?: { revisionType: 'Bundle'; digest: string };
  deploymentId?: string;
  /** …and how that deployment ended there (after Failed, the host may hold part of it). */
  deploymentStatus?: 'Succeeded' | 'Failed';
  revisionHealth: RevisionHealth;
  outdated: boolean;
}

export async function groupStatus(deps: ApiDeps, group: DeploymentGroup): Promise<GroupStatus> {
  const { store } = deps;
  const last = await store.control.groupLast(group.deploymentGroupId);
  // A deployment running now is the last attempted one, before it is recorded at its close.
  const holder = await store.deployments.groupHolder(group.deploymentGroupId);
  const running = holder ? await store.deployments.get(holder) : undefined;
  const attempted = running && running.startTime !== undefined && running.status === 'InProgress' ? running : await stateOf(deps, last.lastAttempted);
  const successful = await stateOf(deps, last.lastSuccessful);
  return {
    ...(successful ? { lastSuccessfulDeployment: lastInfo(successful) } : {}),
    ...(attempted ? { lastAttemptedDeployment: lastInfo(attempted), targetRevision: attempted.spec.revision } : {}),
  };
}

export async function groupInstances(deps: ApiDeps, group: DeploymentGroup): Promise<{ targetRevision?: RevisionLocation; instances: GroupInstance[] }> {
  const { targetRevision } = await groupStatus(deps, group);
  // A group targets its application's account's hosts only (as the scheduler does).
  const [application, all] = await Promise.all([deps.store.catalog.getApplication(group.applicationName), deps.store.instances.list()]);
  const instances = targetedInstances(all, group, accountOf(application));
  const running = await deps.store.control.instanceRevisions(group.deploymentGroupId, instances.map((i) => i.instanceName));
  return {
    ...(targetRevision ? { targetRevision } : {}),
    instances: instances.map((i) => {
      const recorded = running.get(i.instanceName);
      const health = revisionHealth(recorded, targetRevision?.digest);
      return {
        instanceName: i.instanceName,
        ...(recorded
          ? { revision: { revisionType: 'Bundle' as const, digest: recorded.digest }, deploymentId: recorded.deploymentId, deploymentStatus: recorded.status }
          : {}),
        revisionHealth: health,
        outdated: health !== 'Current',
      };
    }),
  };
}

async function stateOf(deps: ApiDeps, id: string | undefined): Promise<DeploymentState | undefined> {
  return id ? deps.store.deployments.get(id) : undefined;
}

function lastInfo(state: DeploymentState): LastDeploymentInfo {
  return {
    deploymentId: state.spec.deploymentId,
    status: state.status,
    createTime: state.createTime,
    ...(state.completeTime ? { endTime: state.completeTime } : {}),
  };
}
