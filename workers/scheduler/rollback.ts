/**
 * Settling a closed deployment's automatic rollback (it closed holding its group's slot, see
 * ./close.ts): look up the group's last successful deployment, create the rollback through the
 * same createDeployment the api uses (creator codeDeployRollback, that deployment's revision and
 * fileExistsBehavior, a client token derived from this deployment's id so a retried job finds the
 * rollback it made instead of making another), then link both ways and hand the slot to it in one
 * script. With no earlier success the deployment records why there is no rollback and the slot
 * goes to the next queued deployment. A crash anywhere is repaired by running it again: the
 * sweeper re-triggers every deployment still listed as rollback-pending.
 */
import { CutoverError } from '../../shared/errors.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import { isBlueGreenReroute } from '../../shared/domain/rollback.js';
import { createDeployment } from '../../shared/operations/create-deployment.js';
import { planRollback, rollbackFailedMessage, ROLLBACK_CREATOR, type LastGood, type RollbackInfo } from '../../shared/domain/rollback.js';
import type { SchedulerDeps } from './reconcile.js';
import { endingOf } from './close.js';

export async function settleRollback(deps: SchedulerDeps, state: DeploymentState): Promise<'settled'> {
  const { spec } = state;
  if (state.status !== 'Succeeded' && state.status !== 'Failed' && state.status !== 'Stopped') return 'settled';
  const ending = endingOf(state, state.status, state.error);
  const plan = planRollback(spec, ending, await lastGood(deps, spec.deploymentGroupId));

  let rollbackId: string | undefined;
  let info: RollbackInfo;
  if (plan.kind === 'create') {
    try {
      const created = await createDeployment(deps, {
        applicationName: spec.applicationName,
        deploymentGroupName: spec.deploymentGroupName,
        digest: plan.lastGood.revisionDigest,
        creator: ROLLBACK_CREATOR,
        deploymentConfigName: spec.deploymentConfigName,
        description: `Automatic rollback of ${spec.deploymentId}`,
        fileExistsBehavior: plan.lastGood.fileExistsBehavior,
        ignoreApplicationStopFailures: plan.lastGood.ignoreApplicationStopFailures,
        clientToken: plan.clientToken,
        blueGreenReroute: isBlueGreenReroute(state),
        rollbackInfo: { rollbackTriggeringDeploymentId: spec.deploymentId, rollbackMessage: plan.messageForRollback },
      });
      rollbackId = created.deploymentId;
      info = { rollbackDeploymentId: rollbackId, rollbackMessage: plan.messageForTriggering(rollbackId) };
    } catch (err) {
      // The group, config or revision is gone: say so; anything else is retried with the job.
      if (!(err instanceof CutoverError)) throw err;
      info = { rollbackMessage: rollbackFailedMessage(ending, err.message) };
    }
  } else {
    info = { rollbackMessage: plan.message };
  }

  const settled = await deps.store.control.settleRollback(spec.deploymentId, spec.deploymentGroupId, rollbackId, info);
  if (settled.result === 'settled') deps.log.info({ deploymentId: spec.deploymentId, rollbackDeploymentId: rollbackId, message: info.rollbackMessage }, 'rollback settled');
  if (settled.nextDeploymentId) await deps.queues.reconcile(settled.nextDeploymentId);
  if (rollbackId && rollbackId !== settled.nextDeploymentId) await deps.queues.reconcile(rollbackId);
  return 'settled';
}

/** The group's last successful deployment, as the rollback redeploys it. */
async function lastGood(deps: SchedulerDeps, groupId: string): Promise<LastGood | undefined> {
  const { lastSuccessful } = await deps.store.control.groupLast(groupId);
  const state = lastSuccessful ? await deps.store.deployments.get(lastSuccessful) : undefined;
  if (!state || state.status !== 'Succeeded') return undefined;
  return {
    deploymentId: state.spec.deploymentId,
    revisionDigest: state.spec.revision.digest,
    fileExistsBehavior: state.spec.fileExistsBehavior,
    ignoreApplicationStopFailures: state.spec.ignoreApplicationStopFailures,
  };
}
