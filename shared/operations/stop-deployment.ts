/**
 * StopDeployment (POST /v1/deployments/:id/stop): decide from the stored state (decideStop), then
 * act with one guarded write, re-reading after a lost race.
 *
 *   Created/Queued → closed Stopped (MANUAL_STOP) at once; the slot passes on if it held it
 *   InProgress     → request-stop.lua (waiting instances Skipped, `stopping`), the cancel flag on
 *                    every open command (agents kill the running hooks' process groups), and a
 *                    reconcile, which closes it Stopped once nothing is in flight (workers/scheduler/stop.ts)
 *   stopping, or Stopped by a request → answered again (Pending while events run, then Succeeded)
 *   finished otherwise → DeploymentAlreadyCompletedException (409)
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Queues } from '../queues.js';
import type { Store } from '../store/index.js';
import type { ErrorInformation } from '../domain/types.js';
import { skipTarget } from '../domain/target-updates.js';
import { decideStop, MANUAL_STOP_ERROR, stopProgress, type StopAnswer } from '../domain/stop.js';

export interface StopDeps {
  store: Store;
  queues: Queues;
  now: () => Date;
}

const MAX_ATTEMPTS = 20;

/** `error` is MANUAL_STOP for a request; the traffic worker stops a deployment with ALARM_ACTIVE. */
export async function stopDeployment(
  deps: StopDeps,
  deploymentId: string,
  autoRollbackEnabled: boolean | undefined,
  error: ErrorInformation = MANUAL_STOP_ERROR,
): Promise<StopAnswer> {
  const { store } = deps;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await store.deployments.get(deploymentId);
    if (!state) throw new NotFoundError('DeploymentDoesNotExistException', `No deployment ${deploymentId}.`);
    const decision = decideStop({
      deploymentId,
      status: state.status,
      stopping: state.stopping === true,
      errorCode: state.error?.code,
      inProgress: state.overview.InProgress,
    });
    switch (decision.kind) {
      case 'completed':
        throw new ConflictError('DeploymentAlreadyCompletedException', decision.message);
      case 'unsupported':
        throw new InvalidInputError('UnsupportedActionForDeploymentTypeException', decision.message);
      case 'answer':
        // Asking again re-asserts the cancel flags (harmless) and nudges the scheduler.
        if (state.stopping) {
          await cancelOpenCommands(store, deploymentId);
          await deps.queues.reconcile(deploymentId);
        }
        return decision.answer;
      case 'close-before-start': {
        const closed = await store.deployments.close(state, ['Created', 'Queued'], undefined, 'Stopped', error, deps.now());
        if (closed.result === 'conflict') continue;
        if (closed.nextDeploymentId && closed.nextDeploymentId !== deploymentId) await deps.queues.reconcile(closed.nextDeploymentId);
        return stopProgress(0);
      }
      case 'request': {
        const waiting = await store.deployments.getTargets(deploymentId, await store.deployments.waitingAll(deploymentId));
        const at = deps.now();
        const result = await store.control.requestStop(deploymentId, state.rev, waiting.map((t) => skipTarget(t, at)), error, autoRollbackEnabled);
        if (result !== 'requested') continue; // re-read: it moved, closed, or another request won
        await cancelOpenCommands(store, deploymentId);
        await deps.queues.reconcile(deploymentId);
        const after = await store.deployments.get(deploymentId);
        return stopProgress(after && (after.status === 'InProgress' || after.status === 'Ready') ? after.overview.InProgress : 0);
      }
    }
  }
  throw new ConflictError('DeploymentBusyException', `Deployment ${deploymentId} kept changing while it was being stopped; try again.`);
}

/** Flag every open command of the deployment's in-flight instances; returns how many were newly flagged. */
export async function cancelOpenCommands(store: Store, deploymentId: string): Promise<number> {
  const targets = await store.deployments.listTargets(deploymentId);
  let flagged = 0;
  for (const target of targets) {
    if (target.status !== 'InProgress' || target.commandId === undefined) continue;
    if (await store.control.cancelCommand(target.commandId)) flagged++;
  }
  return flagged;
}
