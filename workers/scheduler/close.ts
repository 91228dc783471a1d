/**
 * Closing an in-progress deployment (Succeeded, Failed or Stopped), shared by the scheduler's
 * normal completion and a stop. When the ending asks for an automatic rollback (wantsRollback),
 * the deployment keeps its group's slot so the rollback runs before anything queued behind it;
 * the caller's loop then re-reads it, sees it terminal with a rollback pending, and settles it
 * (./rollback.ts). Idempotent like every scheduler step.
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import type { DeploymentStatus } from '../../shared/domain/statuses.js';
import type { ErrorInformation } from '../../shared/domain/types.js';
import { wantsRollback, type Ending } from '../../shared/domain/rollback.js';
import type { SchedulerDeps } from './reconcile.js';

type Outcome = 'settled' | 'again';

export function endingOf(state: Pick<DeploymentState, 'startTime'>, status: Ending['status'], error: ErrorInformation | undefined): Ending {
  return { status, errorCode: error?.code, started: state.startTime !== undefined };
}

export async function closeDeployment(
  deps: SchedulerDeps,
  state: DeploymentState,
  from: readonly DeploymentStatus[],
  status: Ending['status'],
  error: ErrorInformation | undefined,
  /** Blue/green success: the pool that takes the traffic from now on. */
  livePool?: string,
): Promise<Outcome> {
  const { spec } = state;
  const holdForRollback = wantsRollback(
    { creator: spec.creator, autoRollbackConfiguration: spec.autoRollbackConfiguration, stopRollback: state.stopRollback },
    endingOf(state, status, error),
  );
  const closed = await deps.store.deployments.close(state, from, state.rev, status, error, deps.now(), { holdForRollback, livePool });
  if (closed.result === 'conflict') return 'again';
  if (closed.result === 'closed') deps.log.info({ deploymentId: spec.deploymentId, status, error, holdForRollback }, 'deployment closed');
  // Idempotent (min/max of the start time), so a re-run after a crash between start and here repairs it.
  if (state.startTime) await deps.store.catalog.markRevisionUsed(spec.applicationName, spec.revision.digest, state.startTime);
  if (closed.nextDeploymentId) await deps.queues.reconcile(closed.nextDeploymentId);
  // With a rollback to settle, go round again: the re-read deployment is terminal with rollbackPending.
  return holdForRollback ? 'again' : 'settled';
}
