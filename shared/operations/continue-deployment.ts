/**
 * ContinueDeployment (POST /v1/deployments/:id/continue), as CodeDeploy answers it:
 *
 *   READY_WAIT        a blue/green deployment waiting in Ready starts moving traffic now
 *   TERMINATION_WAIT  a blue/green deployment waiting to terminate its original pool does it now
 *
 * Errors: DeploymentDoesNotExistException (404), DeploymentAlreadyCompletedException,
 * UnsupportedActionForDeploymentTypeException (in place), DeploymentIsNotInReadyStateException
 * (not at that wait). One guarded write; a lost race re-reads and decides again.
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Queues } from '../queues.js';
import type { Store } from '../store/index.js';
import { isDeploymentTerminal } from '../domain/statuses.js';
import { nextBlueGreen, type BlueGreenPhase } from '../domain/blue-green.js';

export interface ContinueDeps {
  store: Store;
  queues: Queues;
  now: () => Date;
}

export type DeploymentWaitType = 'READY_WAIT' | 'TERMINATION_WAIT';

const WAIT_PHASE: Record<DeploymentWaitType, BlueGreenPhase> = { READY_WAIT: 'Ready', TERMINATION_WAIT: 'TerminationWait' };

export async function continueDeployment(deps: ContinueDeps, deploymentId: string, waitType: DeploymentWaitType): Promise<{ status: string; phase: BlueGreenPhase }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const state = await deps.store.deployments.get(deploymentId);
    if (!state) throw new NotFoundError('DeploymentDoesNotExistException', `No deployment ${deploymentId}.`);
    if (state.spec.deploymentStyle.deploymentType !== 'BLUE_GREEN') {
      throw new InvalidInputError('UnsupportedActionForDeploymentTypeException', `Deployment ${deploymentId} is in place; only a blue/green deployment waits for ContinueDeployment.`);
    }
    if (isDeploymentTerminal(state.status)) throw new ConflictError('DeploymentAlreadyCompletedException', `Deployment ${deploymentId} has already completed (${state.status}).`);
    const record = state.blueGreen;
    if (!record || record.phase !== WAIT_PHASE[waitType] || state.stopping) {
      throw new ConflictError(
        'DeploymentIsNotInReadyStateException',
        `Deployment ${deploymentId} is not waiting for ${waitType} (its phase is ${record?.phase ?? 'not started'}${state.stopping ? ', and it is stopping' : ''}).`,
      );
    }
    const now = deps.now().toISOString();
    const next =
      waitType === 'READY_WAIT' ? nextBlueGreen(record, { phase: 'AllowingTraffic', readyDeadline: undefined }) : nextBlueGreen(record, { phase: 'Terminating', terminationDueAt: now });
    const written = await deps.store.deployments.writeBlueGreen(deploymentId, record, next, {
      from: waitType === 'READY_WAIT' ? ['Ready'] : ['InProgress'],
      status: 'InProgress',
      events: [
        { type: 'DeploymentAction', deploymentId, action: 'Continued', status: state.status, message: `ContinueDeployment (${waitType})` },
        { type: 'BlueGreenPhase', deploymentId, phase: next.phase, previousPhase: record.phase },
      ],
    });
    if (!written) continue;
    await deps.queues.reconcile(deploymentId);
    return { status: 'InProgress', phase: next.phase };
  }
  throw new ConflictError('DeploymentBusyException', `Deployment ${deploymentId} kept changing; try again.`);
}
