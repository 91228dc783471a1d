/**
 * A manual rollback (POST /v1/deployments/:id/rollback): a new deployment, creator
 * codeDeployRollback, of the last revision that succeeded on the group before this deployment,
 * linked both ways. It shares the automatic rollback's client token, so asking twice, or asking
 * after an automatic rollback, answers the rollback that exists instead of making another.
 * (CodeDeploy's own manual rollback is a CreateDeployment of an earlier revision, which works too.)
 */
import { ConflictError, NotFoundError } from '../errors.js';
import { isDeploymentTerminal } from '../domain/statuses.js';
import { lastGoodBefore, manualRollbackMessages, rollbackClientToken, ROLLBACK_CREATOR } from '../domain/rollback.js';
import { isBlueGreenReroute } from '../domain/rollback.js';
import { createDeployment, type CreateDeploymentDeps } from './create-deployment.js';

export async function rollbackDeployment(deps: CreateDeploymentDeps, deploymentId: string): Promise<{ created: boolean; deploymentId: string }> {
  const { store } = deps;
  const state = await store.deployments.get(deploymentId);
  if (!state) throw new NotFoundError('DeploymentDoesNotExistException', `No deployment ${deploymentId}.`);
  const { spec } = state;
  if (!isDeploymentTerminal(state.status)) {
    throw new ConflictError(
      'DeploymentNotCompletedException',
      `Deployment ${deploymentId} is ${state.status}: stop it with {"autoRollbackEnabled": true} (POST /v1/deployments/${deploymentId}/stop) to roll it back.`,
    );
  }
  if (state.rollback?.rollbackDeploymentId) return { created: false, deploymentId: state.rollback.rollbackDeploymentId };
  if (state.rollbackPending) throw new ConflictError('RollbackInProgressException', `Deployment ${deploymentId}'s automatic rollback is being started; ask again in a moment.`);

  const previous = lastGoodBefore(
    (await store.deployments.list({ deploymentGroupId: spec.deploymentGroupId })).map((d) => ({ ...d, deploymentId: d.spec.deploymentId })),
    { deploymentId, createTime: state.createTime },
  );
  if (!previous) {
    throw new ConflictError(
      'RollbackNotPossibleException',
      `No deployment succeeded on deployment group ${spec.deploymentGroupName} before ${deploymentId}: there is no earlier revision to roll back to.`,
    );
  }
  const lastGood = {
    deploymentId: previous.deploymentId,
    revisionDigest: previous.spec.revision.digest,
    fileExistsBehavior: previous.spec.fileExistsBehavior,
    ignoreApplicationStopFailures: previous.spec.ignoreApplicationStopFailures,
  };
  const messages = manualRollbackMessages(deploymentId, lastGood);
  const created = await createDeployment(deps, {
    applicationName: spec.applicationName,
    deploymentGroupName: spec.deploymentGroupName,
    digest: lastGood.revisionDigest,
    creator: ROLLBACK_CREATOR,
    deploymentConfigName: spec.deploymentConfigName,
    description: `Rollback of ${deploymentId}`,
    fileExistsBehavior: lastGood.fileExistsBehavior,
    ignoreApplicationStopFailures: lastGood.ignoreApplicationStopFailures,
    clientToken: rollbackClientToken(deploymentId),
    blueGreenReroute: isBlueGreenReroute(state),
    rollbackInfo: { rollbackTriggeringDeploymentId: deploymentId, rollbackMessage: messages.forRollback },
  });
  const linked = await store.control.linkRollback(deploymentId, created.deploymentId, {
    rollbackDeploymentId: created.deploymentId,
    rollbackMessage: messages.forTriggering(created.deploymentId),
  });
  return { created: created.created && linked === created.deploymentId, deploymentId: linked };
}
