/**
 * Creating a deployment, shared by POST /v1/deployments (creator `user`) and the revision worker
 * (creator GitHub/GitLab): everything is looked up and checked before anything is written, the
 * group's settings are snapshotted into the spec, and a clientToken makes it idempotent.
 */
import { NotFoundError } from '../errors.js';
import { newDeploymentId } from '../ids.js';
import type { Queues } from '../queues.js';
import type { Store } from '../store/index.js';
import type { Application, DeploymentCreator, DeploymentGroup, DeploymentSpec, FileExistsBehavior } from '../domain/types.js';
import { accountOf } from '../domain/access.js';
import { configUsableBy } from '../domain/deployment-configs.js';
import { effectiveRollbackConfiguration, ROLLBACK_CREATOR, type AutoRollbackConfiguration, type RollbackInfo } from '../domain/rollback.js';

export interface NewDeployment {
  applicationName: string;
  deploymentGroupName: string;
  /** The registered revision's digest. */
  digest: string;
  creator: DeploymentCreator;
  deploymentConfigName?: string;
  description?: string;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  clientToken?: string;
  /** Overrides the group's for this deployment; ignored for a rollback (a rollback never rolls back). */
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** Deploy only to instances not already running this revision. */
  updateOutdatedInstancesOnly?: boolean;
  /** A rollback's link to the deployment it replaces (creator codeDeployRollback). */
  rollbackInfo?: RollbackInfo;
  /** A blue/green rollback of a deployment that did not succeed: traffic back to the live pool, nothing installed. */
  blueGreenReroute?: boolean;
}

export interface CreateDeploymentDeps {
  store: Store;
  queues: Queues;
  now: () => Date;
}

/**
 * `known`: the application and group the caller has just read (the api, checking the caller may
 * reach the group), so they are not read twice; the other reads go out together.
 */
export async function createDeployment(
  deps: CreateDeploymentDeps,
  input: NewDeployment,
  known: { application?: Application; group?: DeploymentGroup } = {},
): Promise<{ created: boolean; deploymentId: string; accountId: string }> {
  const { catalog } = deps.store;
  const app = input.applicationName;
  const [application, group, revision] = await Promise.all([
    known.application ?? catalog.getApplication(app),
    known.group ?? catalog.getDeploymentGroup(app, input.deploymentGroupName),
    catalog.getRevision(app, input.digest),
  ]);
  if (!application) throw new NotFoundError('ApplicationDoesNotExistException', `No application named ${app}.`);
  // The deployment belongs to the application's account whoever creates it (a grant may let another).
  const accountId = accountOf(application);
  if (!group) throw new NotFoundError('DeploymentGroupDoesNotExistException', `Application ${app} has no deployment group named ${input.deploymentGroupName}.`);
  const configName = input.deploymentConfigName ?? group.deploymentConfigName;
  const config = await catalog.getDeploymentConfig(configName);
  // A custom config is usable only by its own account's groups.
  if (!config || !configUsableBy(config, accountId)) {
    throw new NotFoundError('DeploymentConfigDoesNotExistException', `No deployment config named ${configName}.`);
  }
  if (!revision) throw new NotFoundError('RevisionDoesNotExistException', `Application ${app} has no revision ${input.digest}; upload the bundle first.`);
  const spec: DeploymentSpec = {
    deploymentId: newDeploymentId(),
    accountId,
    applicationName: app,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: group.deploymentGroupId,
    deploymentConfigName: configName,
    revision: revision.revision,
    bundleType: revision.bundleType,
    description: input.description,
    creator: input.creator,
    fileExistsBehavior: input.fileExistsBehavior ?? 'DISALLOW',
    ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false,
    deploymentStyle: group.deploymentStyle,
    ...(group.loadBalancerInfo ? { loadBalancerInfo: group.loadBalancerInfo } : {}),
    instanceTagFilters: group.instanceTagFilters,
    instanceTagSet: group.instanceTagSet,
    eventTimeoutSeconds: revision.eventTimeoutSeconds,
    clientToken: input.clientToken,
    ...rollbackFields(group.autoRollbackConfiguration, input),
    ...(input.updateOutdatedInstancesOnly ? { updateOutdatedInstancesOnly: true } : {}),
    ...(group.blueGreenDeploymentConfiguration ? { blueGreenDeploymentConfiguration: group.blueGreenDeploymentConfiguration } : {}),
    ...(group.alarmConfiguration ? { alarmConfiguration: group.alarmConfiguration } : {}),
    ...(input.blueGreenReroute && input.creator === ROLLBACK_CREATOR && group.deploymentStyle.deploymentType === 'BLUE_GREEN' ? { blueGreenReroute: true } : {}),
  };
  const result = await deps.store.deployments.create(spec, deps.now());
  if (result.created) await deps.queues.reconcile(result.deploymentId);
  return { ...result, accountId };
}

/** The group's rollback settings (or the override) travel with the deployment; a rollback carries its link instead. */
function rollbackFields(
  group: AutoRollbackConfiguration | undefined,
  input: NewDeployment,
): Pick<DeploymentSpec, 'autoRollbackConfiguration' | 'rollbackInfo'> {
  if (input.creator === ROLLBACK_CREATOR) return input.rollbackInfo ? { rollbackInfo: input.rollbackInfo } : {};
  const config = effectiveRollbackConfiguration(group, input.autoRollbackConfiguration);
  return config ? { autoRollbackConfiguration: config } : {};
}
