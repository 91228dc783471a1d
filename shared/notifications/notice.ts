/**
 * A notice: everything one notification says, fixed when the event is dispatched so that every
 * retry sends the same thing. `message` is CodeDeploy's trigger message JSON (the generic
 * webhook's body); the other fields feed the human channels (email, Slack).
 */
import type { DeploymentState } from '../store/deployments.js';
import type { DeploymentEvent } from '../domain/events.js';
import type { DeploymentOverview, ErrorInformation, InstanceTarget, RevisionLocation } from '../domain/types.js';
import type { TriggerEventType } from '../domain/triggers.js';

/** CodeDeploy's message has an AWS region and account; Cutover has neither, so these stand in. */
export const MESSAGE_REGION = 'local';
export const MESSAGE_ACCOUNT_ID = '000000000000';

type OverviewStrings = Record<'Failed' | 'InProgress' | 'Pending' | 'Skipped' | 'Succeeded' | 'Ready', string>;

/** CodeDeploy's deployment-event message fields. */
export interface DeploymentMessage {
  region: string;
  accountId: string;
  eventTriggerName: string;
  eventType: TriggerEventType;
  applicationName: string;
  deploymentId: string;
  deploymentGroupName: string;
  createTime: string;
  completeTime?: string;
  deploymentOverview: OverviewStrings;
  status: string;
  errorInformation?: { ErrorCode: string; ErrorMessage: string };
  revision: RevisionLocation;
  /** DeploymentRollback: the deployment that rolls this one back. */
  rollbackDeploymentId?: string;
}

/** CodeDeploy's instance-event message fields (plus the application and group, which it lacks). */
export interface InstanceMessage {
  region: string;
  accountId: string;
  eventTriggerName: string;
  eventType: TriggerEventType;
  applicationName: string;
  deploymentGroupName: string;
  deploymentId: string;
  instanceId: string;
  lastUpdatedAt: string;
  instanceStatus: string;
  lifecycleEvents: { LifecycleEvent: string; LifecycleEventStatus: string; StartTime?: string; EndTime?: string }[];
}

export interface TestMessage {
  eventTriggerName: string;
  eventType: 'Test';
  applicationName: string;
  deploymentGroupName: string;
  message: string;
}

export type TriggerMessage = DeploymentMessage | InstanceMessage | TestMessage;

export interface Notice {
  kind: 'deployment' | 'instance' | 'test';
  triggerEvent: TriggerEventType | 'Test';
  triggerName: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentId?: string;
  instanceId?: string;
  /** The deployment's or the instance's status the event recorded. */
  status: string;
  revision?: RevisionLocation;
  creator?: string;
  createTime?: string;
  startTime?: string;
  completeTime?: string;
  overview?: DeploymentOverview;
  error?: ErrorInformation;
  lifecycleEvents?: { name: string; status: string; errorCode?: string; message?: string }[];
  rollbackDeploymentId?: string;
  /** When the event happened (ISO). */
  at: string;
  /** `<CUTOVER_PUBLIC_URL>/v1/deployments/<id>`, when a public URL is configured. */
  link?: string;
  message: TriggerMessage;
}

/** CodeDeploy writes times in its trigger messages as epoch seconds with milliseconds, as strings. */
export function epochSeconds(iso: string | number | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  return Number.isFinite(ms) ? (ms / 1000).toFixed(3) : undefined;
}

export interface NoticeInput {
  triggerEvent: TriggerEventType;
  triggerName: string;
  event: DeploymentEvent;
  state: DeploymentState;
  /** The instance's target, for instance events. */
  target?: InstanceTarget;
  publicUrl?: string;
}

export function buildNotice(input: NoticeInput): Notice {
  const { triggerEvent, triggerName, event, state, target } = input;
  const { spec } = state;
  const at = new Date(event.at ?? Date.now()).toISOString();
  const common = {
    triggerEvent,
    triggerName,
    applicationName: spec.applicationName,
    deploymentGroupName: spec.deploymentGroupName,
    deploymentId: spec.deploymentId,
    revision: spec.revision,
    creator: spec.creator,
    createTime: state.createTime,
    startTime: state.startTime,
    overview: state.overview,
    at,
    link: input.publicUrl ? `${input.publicUrl}/v1/deployments/${spec.deploymentId}` : undefined,
  };
  if (event.type === 'InstanceStatus' || event.type === 'LifecycleEvent') {
    const instanceStatus = event.type === 'InstanceStatus' ? event.status : (target?.status ?? 'InProgress');
    const lifecycle = target?.lifecycleEvents ?? [];
    const message: InstanceMessage = {
      region: MESSAGE_REGION,
      accountId: MESSAGE_ACCOUNT_ID,
      eventTriggerName: triggerName,
      eventType: triggerEvent,
      applicationName: spec.applicationName,
      deploymentGroupName: spec.deploymentGroupName,
      deploymentId: spec.deploymentId,
      instanceId: event.instanceId,
      lastUpdatedAt: epochSeconds(at) ?? '',
      instanceStatus,
      lifecycleEvents: lifecycle.map((e) => ({
        LifecycleEvent: e.lifecycleEventName,
        LifecycleEventStatus: e.status,
        ...(e.startTime ? { StartTime: epochSeconds(e.startTime) } : {}),
        ...(e.endTime ? { EndTime: epochSeconds(e.endTime) } : {}),
      })),
    };
    return {
      ...common,
      kind: 'instance',
      instanceId: event.instanceId,
      status: instanceStatus,
      lifecycleEvents: lifecycle.map((e) => ({
        name: e.lifecycleEventName,
        status: e.status,
        ...(e.diagnostics && e.status === 'Failed' ? { errorCode: e.diagnostics.errorCode, message: e.diagnostics.message } : {}),
      })),
      message,
    };
  }
  const status = event.type === 'DeploymentStatus' ? event.status : state.status;
  const terminal = status === 'Succeeded' || status === 'Failed' || status === 'Stopped';
  const eventError = event.type === 'DeploymentStatus' ? event.errorInformation : undefined;
  const error = eventError ?? (status === 'Failed' || status === 'Stopped' || event.type === 'DeploymentAction' ? state.error : undefined);
  const rollbackDeploymentId = event.type === 'DeploymentAction' ? event.rollbackDeploymentId : undefined;
  const completeTime = terminal ? (state.completeTime ?? at) : undefined;
  const o = state.overview;
  const message: DeploymentMessage = {
    region: MESSAGE_REGION,
    accountId: MESSAGE_ACCOUNT_ID,
    eventTriggerName: triggerName,
    eventType: triggerEvent,
    applicationName: spec.applicationName,
    deploymentId: spec.deploymentId,
    deploymentGroupName: spec.deploymentGroupName,
    createTime: epochSeconds(state.createTime) ?? '',
    ...(completeTime ? { completeTime: epochSeconds(completeTime) } : {}),
    deploymentOverview: {
      Failed: String(o.Failed),
      InProgress: String(o.InProgress),
      Pending: String(o.Pending),
      Skipped: String(o.Skipped),
      Succeeded: String(o.Succeeded),
      Ready: String(o.Ready),
    },
    status,
    ...(error ? { errorInformation: { ErrorCode: error.code, ErrorMessage: error.message } } : {}),
    revision: spec.revision,
    ...(rollbackDeploymentId ? { rollbackDeploymentId } : {}),
  };
  return { ...common, kind: 'deployment', status, completeTime, error, rollbackDeploymentId, message };
}

/** What POST …/triggers/:name/test sends. */
export function testNotice(applicationName: string, deploymentGroupName: string, triggerName: string, now: Date): Notice {
  const text = `This is a test notification from Cutover for trigger ${triggerName} of deployment group ${applicationName}/${deploymentGroupName}.`;
  return {
    kind: 'test',
    triggerEvent: 'Test',
    triggerName,
    applicationName,
    deploymentGroupName,
    status: 'Test',
    at: now.toISOString(),
    message: { eventTriggerName: triggerName, eventType: 'Test', applicationName, deploymentGroupName, message: text },
  };
}
