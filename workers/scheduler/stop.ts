/**
 * The scheduler's side of StopDeployment. A stopping deployment releases nothing more (its
 * waiting instances were Skipped with the request); every open command of its instances carries
 * the cancel flag, so agents kill the running hooks' process groups — re-asserted on every run,
 * so a command opened in the instant of the request is cancelled too; and once no instance is in
 * flight the deployment closes Stopped with MANUAL_STOP (and its rollback, if one is wanted,
 * follows: ./close.ts).
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import { MANUAL_STOP_ERROR } from '../../shared/domain/stop.js';
import { cancelOpenCommands } from '../../shared/operations/stop-deployment.js';
import type { SchedulerDeps } from './reconcile.js';
import { closeDeployment } from './close.js';

export async function advanceStopping(deps: SchedulerDeps, state: DeploymentState): Promise<'settled' | 'again'> {
  await cancelOpenCommands(deps.store, state.spec.deploymentId);
  if (state.overview.InProgress > 0) return 'settled';
  return closeDeployment(deps, state, ['InProgress'], 'Stopped', state.error ?? MANUAL_STOP_ERROR);
}
