/**
 * The REST API's answers as the dashboard reads them (see api/openapi.ts and shared/domain/types.ts
 * for the full shapes). Only what the pages show is declared; everything is read defensively.
 */

export const DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready', 'Succeeded', 'Failed', 'Stopped'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export const TERMINAL_STATUSES: readonly string[] = ['Succeeded', 'Failed', 'Stopped'];

export interface ErrorInformation {
  code: string;
  message: string;
}

export interface DeploymentOverview {
  Pending: number;
  InProgress: number;
  Succeeded: number;
  Failed: number;
  Skipped: number;
  Ready: number;
}

export interface Revision {
  revisionType: string;
  digest: string;
  repository?: string;
  commitId?: string;
}

export interface ShiftRecord {
  step: number;
  percent: number;
  weights?: { replacement: number; original: number };
  scheduledAt?: string;
  appliedAt: string;
  timingErrorMs?: number;
  reason: string;
}

export interface AlarmEvaluation {
  at: string;
  alarmName: string;
  state: string;
  reason: string;
}

/** A blue/green deployment's traffic record (DeploymentInfo.blueGreen). */
export interface BlueGreenInfo {
  phase?: string;
  originalPool?: string;
  replacementPool?: string;
  rerouteOnly?: boolean;
  routing?: { type: string };
  readyDeadline?: string;
  percent?: number;
  weights?: { replacement: number; original: number };
  nextStep?: number;
  nextStepDueAt?: string;
  shiftStartedAt?: string;
  history?: ShiftRecord[];
  alarmEvaluations?: AlarmEvaluation[];
  terminationDueAt?: string;
}

export interface Deployment {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentConfigName: string;
  revision: Revision;
  description?: string;
  creator: string;
  status: DeploymentStatus;
  errorInformation?: ErrorInformation;
  createTime: string;
  startTime?: string;
  completeTime?: string;
  deploymentOverview: DeploymentOverview;
  deploymentStyle?: { deploymentType: string; deploymentOption: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  blueGreen?: BlueGreenInfo;
}

export interface Diagnostics {
  errorCode: string;
  scriptName: string;
  message: string;
  logTail: string;
}

export interface LifecycleEvent {
  lifecycleEventName: string;
  status: string;
  startTime?: string;
  endTime?: string;
  diagnostics?: Diagnostics;
}

export interface Target {
  deploymentId: string;
  targetId: string;
  status: string;
  lastUpdatedAt: string;
  lifecycleEvents: LifecycleEvent[];
  instanceLabel?: string;
}

export interface Instance {
  instanceName: string;
  tags: Record<string, string>;
  registrationStatus: string;
  registerTime: string;
  deregisterTime?: string;
  lastSeenAt?: string;
  agentVersion?: string;
  hostname?: string;
}

export interface InstanceRevision {
  deploymentId: string;
  status: string;
  applicationName: string;
  deploymentGroupName: string;
  digest: string;
  recordedAt?: string;
}

export interface Application {
  applicationName: string;
  applicationId: string;
  createTime: string;
}

export interface TagFilter {
  key?: string;
  value?: string;
  type?: string;
}

export interface LastDeploymentInfo {
  deploymentId: string;
  status: string;
  createTime: string;
  endTime?: string;
}

export interface DeploymentGroup {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
  instanceTagFilters: TagFilter[];
  instanceTagSet?: TagFilter[][];
  deploymentStyle: { deploymentType: string; deploymentOption: string };
  loadBalancerInfo?: { driver?: string; targetGroupName?: string };
  autoRollbackConfiguration?: { enabled: boolean; events: string[] };
  triggerConfigurations?: { triggerName: string; triggerEvents?: string[] }[];
  gitSource?: { provider?: string; repository?: string; branch?: string };
  blueGreenDeploymentConfiguration?: { pools?: { poolName: string; tagFilters: TagFilter[] }[] };
  alarmConfiguration?: { enabled?: boolean; alarms?: { name?: string }[] };
  lastSuccessfulDeployment?: LastDeploymentInfo;
  lastAttemptedDeployment?: LastDeploymentInfo;
  targetRevision?: Revision;
  createTime: string;
}

/** A message of the event streams (shared/domain/events.ts). */
export interface DeploymentEvent {
  /** Blue/green adds BlueGreenPhase, TrafficShift and Alarm; any event makes the pages re-read. */
  type: 'DeploymentStatus' | 'InstanceStatus' | 'LifecycleEvent' | 'DeploymentAction' | 'BlueGreenPhase' | 'TrafficShift' | 'Alarm';
  deploymentId: string;
  at?: number;
  status?: string;
  instanceId?: string;
  lifecycleEventName?: string;
  errorCode?: string;
  message?: string;
  action?: string;
}
