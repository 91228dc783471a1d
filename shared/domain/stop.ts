/**
 * StopDeployment, as CodeDeploy answers it, in pure functions:
 *
 * - Created or Queued: nothing ran yet; the deployment is Stopped at once (status Succeeded).
 * - InProgress: hosts not yet started are Skipped, running hooks are killed by their agents, and
 *   the deployment ends Stopped (MANUAL_STOP) once no instance is in flight. The answer is
 *   Pending while events still run, Succeeded once none does; asking again is harmless.
 * - Already Succeeded, Failed, or Stopped by something else: DeploymentAlreadyCompletedException.
 */
import type { DeploymentStatus } from './statuses.js';
import type { ErrorInformation } from './types.js';

export type StopStatus = 'Pending' | 'Succeeded';

export interface StopAnswer {
  status: StopStatus;
  statusMessage: string;
}

export interface StopView {
  deploymentId: string;
  status: DeploymentStatus;
  /** A stop was already requested (the deployment is winding down). */
  stopping: boolean;
  errorCode?: string;
  /** Instances still in flight. */
  inProgress: number;
}

export type StopDecision =
  | { kind: 'close-before-start' }
  | { kind: 'request' }
  | { kind: 'answer'; answer: StopAnswer }
  | { kind: 'completed'; message: string }
  | { kind: 'unsupported'; message: string };

export const MANUAL_STOP_ERROR: ErrorInformation = {
  code: 'MANUAL_STOP',
  message: 'The deployment was stopped by a StopDeployment request.',
};

export function decideStop(view: StopView): StopDecision {
  switch (view.status) {
    case 'Created':
    case 'Queued':
      return { kind: 'close-before-start' };
    case 'InProgress':
    case 'Ready':
      return view.stopping ? { kind: 'answer', answer: stopProgress(view.inProgress) } : { kind: 'request' };
    case 'Stopped':
      // Stopped by an earlier request: asking again is answered, not refused.
      if (view.errorCode === 'MANUAL_STOP') return { kind: 'answer', answer: stopProgress(0) };
      return { kind: 'completed', message: `Deployment ${view.deploymentId} has already completed (Stopped).` };
    case 'Succeeded':
    case 'Failed':
      return { kind: 'completed', message: `Deployment ${view.deploymentId} has already completed (${view.status}).` };
    case 'Baking':
      return { kind: 'unsupported', message: `Deployment ${view.deploymentId} is ${view.status}; stopping a blue/green deployment is not supported yet.` };
  }
}

/** Pending while any instance is in flight; Succeeded once no lifecycle event runs any more. */
export function stopProgress(inProgress: number): StopAnswer {
  if (inProgress > 0) {
    return {
      status: 'Pending',
      statusMessage:
        `The deployment is stopping: ${inProgress} instance(s) still have lifecycle events in flight, and their agents ` +
        'are stopping the running hooks. Ask again to see when it is done.',
    };
  }
  return { status: 'Succeeded', statusMessage: 'The deployment is stopped: no lifecycle event runs any more.' };
}
