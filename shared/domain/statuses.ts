/**
 * The three lifecycles Cutover tracks, with CodeDeploy's exact status strings.
 * Each status set has a transition table beside it; `canTransition` is the one place that
 * decides whether a move is legal. Statuses only move forward: terminal states have no exits.
 */

export const DeploymentStatus = {
  Created: 'Created',
  Queued: 'Queued',
  InProgress: 'InProgress',
  Baking: 'Baking',
  Ready: 'Ready',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Stopped: 'Stopped',
} as const;
export type DeploymentStatus = (typeof DeploymentStatus)[keyof typeof DeploymentStatus];

export const DEPLOYMENT_TRANSITIONS: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  Created: ['Queued', 'InProgress', 'Failed', 'Stopped'],
  Queued: ['InProgress', 'Failed', 'Stopped'],
  InProgress: ['Baking', 'Ready', 'Succeeded', 'Failed', 'Stopped'],
  Ready: ['InProgress', 'Succeeded', 'Failed', 'Stopped'],
  Baking: ['Succeeded', 'Failed', 'Stopped'],
  Succeeded: [],
  Failed: [],
  Stopped: [],
};

/** Per-instance status (CodeDeploy's TargetStatus). */
export const TargetStatus = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
  Unknown: 'Unknown',
  Ready: 'Ready',
} as const;
export type TargetStatus = (typeof TargetStatus)[keyof typeof TargetStatus];

export const TARGET_TRANSITIONS: Record<TargetStatus, readonly TargetStatus[]> = {
  Pending: ['InProgress', 'Skipped'],
  InProgress: ['Succeeded', 'Failed', 'Unknown', 'Ready'],
  Ready: ['InProgress', 'Succeeded', 'Failed'],
  Unknown: ['Failed'],
  Succeeded: [],
  Failed: [],
  Skipped: [],
};

export const LifecycleEventStatus = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
  Unknown: 'Unknown',
} as const;
export type LifecycleEventStatus = (typeof LifecycleEventStatus)[keyof typeof LifecycleEventStatus];

export const LIFECYCLE_EVENT_TRANSITIONS: Record<LifecycleEventStatus, readonly LifecycleEventStatus[]> = {
  Pending: ['InProgress', 'Succeeded', 'Failed', 'Skipped'],
  InProgress: ['Succeeded', 'Failed', 'Skipped', 'Unknown'],
  Unknown: ['Failed'],
  Succeeded: [],
  Failed: [],
  Skipped: [],
};

type Table<S extends string> = Record<S, readonly S[]>;

export function canTransition<S extends string>(table: Table<S>, from: S, to: S): boolean {
  return from === to ? false : table[from].includes(to);
}

export function isTerminal<S extends string>(table: Table<S>, status: S): boolean {
  return table[status].length === 0;
}

export const TERMINAL_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['Succeeded', 'Failed', 'Stopped'];

export function isDeploymentTerminal(status: DeploymentStatus): boolean {
  return isTerminal(DEPLOYMENT_TRANSITIONS, status);
}

export function isTargetDone(status: TargetStatus): boolean {
  return isTerminal(TARGET_TRANSITIONS, status);
}

export function isEventDone(status: LifecycleEventStatus): boolean {
  return isTerminal(LIFECYCLE_EVENT_TRANSITIONS, status) || status === 'Unknown';
}

/** CodeDeploy's Diagnostics.errorCode values for one lifecycle event. */
export const LifecycleErrorCode = {
  Success: 'Success',
  ScriptMissing: 'ScriptMissing',
  ScriptNotExecutable: 'ScriptNotExecutable',
  ScriptTimedOut: 'ScriptTimedOut',
  ScriptFailed: 'ScriptFailed',
  UnknownError: 'UnknownError',
} as const;
export type LifecycleErrorCode = (typeof LifecycleErrorCode)[keyof typeof LifecycleErrorCode];

/** The subset of CodeDeploy's ErrorInformation.code values Cutover produces. */
export const DeploymentErrorCode = {
  AGENT_ISSUE: 'AGENT_ISSUE',
  ALARM_ACTIVE: 'ALARM_ACTIVE',
  APPLICATION_MISSING: 'APPLICATION_MISSING',
  DEPLOYMENT_GROUP_MISSING: 'DEPLOYMENT_GROUP_MISSING',
  HEALTH_CONSTRAINTS: 'HEALTH_CONSTRAINTS',
  HEALTH_CONSTRAINTS_INVALID: 'HEALTH_CONSTRAINTS_INVALID',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  INVALID_REVISION: 'INVALID_REVISION',
  MANUAL_STOP: 'MANUAL_STOP',
  NO_INSTANCES: 'NO_INSTANCES',
  REVISION_MISSING: 'REVISION_MISSING',
  TIMEOUT: 'TIMEOUT',
} as const;
export type DeploymentErrorCode = (typeof DeploymentErrorCode)[keyof typeof DeploymentErrorCode];
