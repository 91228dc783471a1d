/**
 * Deployment events: every state change of a deployment, an instance target or a lifecycle event
 * is appended to the deployment's Redis stream and to the global one, in the same script as the
 * change itself — so the stream never misses or invents a change. The SSE endpoints, the CLI's
 * live progress and the notifier read them.
 */
import type { LifecycleEventName } from './lifecycle.js';
import type { AlarmEvaluationRecord, BlueGreenPhase, ShiftRecord } from './blue-green.js';
import type { ErrorInformation, InstanceTarget } from './types.js';
import type { DeploymentStatus, LifecycleErrorCode, LifecycleEventStatus, TargetStatus } from './statuses.js';

interface EventBase {
  deploymentId: string;
  /** Epoch milliseconds, set by Redis (TIME) when the event is recorded. */
  at?: number;
}

export interface DeploymentStatusEvent extends EventBase {
  type: 'DeploymentStatus';
  status: DeploymentStatus;
  previousStatus?: DeploymentStatus;
  errorInformation?: ErrorInformation;
}

export interface InstanceStatusEvent extends EventBase {
  type: 'InstanceStatus';
  instanceId: string;
  status: TargetStatus;
  previousStatus: TargetStatus;
}

export interface LifecycleEventEvent extends EventBase {
  type: 'LifecycleEvent';
  instanceId: string;
  lifecycleEventName: LifecycleEventName;
  status: LifecycleEventStatus;
  errorCode?: LifecycleErrorCode;
  message?: string;
}

/**
 * A decision that changes what a deployment will do without changing its status yet: a stop was
 * requested (it ends Stopped once nothing is in flight), or its automatic rollback was started
 * (or could not be, and why).
 */
export interface DeploymentActionEvent extends EventBase {
  type: 'DeploymentAction';
  action: 'StopRequested' | 'RollbackStarted' | 'RollbackNotPerformed' | 'Continued';
  /** The deployment's status when the action was recorded (it does not change it). */
  status: DeploymentStatus;
  message?: string;
  rollbackDeploymentId?: string;
}

/** Blue/green: the deployment entered a phase (see blue-green.ts). */
export interface BlueGreenPhaseEvent extends EventBase {
  type: 'BlueGreenPhase';
  phase: BlueGreenPhase;
  previousPhase: BlueGreenPhase;
}

/** Blue/green: the load balancer's weights moved (a step, or traffic put back on the original pool). */
export interface TrafficShiftEvent extends EventBase {
  type: 'TrafficShift';
  shift: ShiftRecord;
}

/** Blue/green: the alarms were evaluated and one went off (evaluations that pass are kept on the record, not streamed). */
export interface AlarmEvent extends EventBase {
  type: 'Alarm';
  evaluations: AlarmEvaluationRecord[];
  message: string;
}

export type DeploymentEvent =
  | DeploymentStatusEvent
  | InstanceStatusEvent
  | LifecycleEventEvent
  | DeploymentActionEvent
  | BlueGreenPhaseEvent
  | TrafficShiftEvent
  | AlarmEvent;

/** The events one target write produces: its own status change and each lifecycle event that moved. */
export function targetChangeEvents(before: InstanceTarget, after: InstanceTarget): DeploymentEvent[] {
  const events: DeploymentEvent[] = [];
  for (const event of after.lifecycleEvents) {
    const old = before.lifecycleEvents.find((e) => e.lifecycleEventName === event.lifecycleEventName);
    if (old?.status === event.status) continue;
    events.push({
      type: 'LifecycleEvent',
      deploymentId: after.deploymentId,
      instanceId: after.targetId,
      lifecycleEventName: event.lifecycleEventName,
      status: event.status,
      ...(event.diagnostics && event.status !== 'InProgress' ? { errorCode: event.diagnostics.errorCode, message: event.diagnostics.message } : {}),
    });
  }
  if (before.status !== after.status) {
    events.push({ type: 'InstanceStatus', deploymentId: after.deploymentId, instanceId: after.targetId, status: after.status, previousStatus: before.status });
  }
  return events;
}
