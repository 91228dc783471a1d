/**
 * Pure changes to one instance target. Every function returns a new target and never moves a
 * status backwards (LIFECYCLE_EVENT_TRANSITIONS decides), so replaying a report changes nothing.
 */
import { canTransition, LIFECYCLE_EVENT_TRANSITIONS, type LifecycleEventStatus, type TargetStatus } from './statuses.js';
import type { LifecycleEventName } from './lifecycle.js';
import type { Diagnostics, InstanceTarget, LifecycleEvent } from './types.js';

export interface EventChange {
  lifecycleEventName: LifecycleEventName;
  status: LifecycleEventStatus;
  startTime?: string;
  endTime?: string;
  diagnostics?: Diagnostics;
}

/** Apply event changes that are legal moves; returns the target unchanged (same object) if none was. */
export function applyEventChanges(target: InstanceTarget, changes: readonly EventChange[], now: Date): InstanceTarget {
  let changed = false;
  const events = target.lifecycleEvents.map((event) => {
    let current = event;
    for (const change of changes) {
      if (change.lifecycleEventName !== current.lifecycleEventName) continue;
      if (!canTransition(LIFECYCLE_EVENT_TRANSITIONS, current.status, change.status)) continue;
      current = {
        ...current,
        status: change.status,
        startTime: current.startTime ?? change.startTime ?? (change.status === 'InProgress' ? now.toISOString() : undefined),
        endTime: change.status === 'InProgress' ? current.endTime : (change.endTime ?? now.toISOString()),
        diagnostics: change.diagnostics ?? current.diagnostics,
      };
      changed = true;
    }
    return current;
  });
  return changed ? { ...target, lifecycleEvents: events, lastUpdatedAt: now.toISOString() } : target;
}

/**
 * Close the events of a command that ended without reporting every event (the agent was lost,
 * the command overran its deadline): running events fail with the diagnostic, waiting ones are Skipped.
 */
export function failUnfinishedEvents(
  target: InstanceTarget,
  eventNames: readonly LifecycleEventName[],
  diagnostics: Diagnostics,
  now: Date,
): InstanceTarget {
  const inCommand = target.lifecycleEvents.filter((e) => eventNames.includes(e.lifecycleEventName));
  const running = inCommand.find((e) => e.status === 'InProgress') ?? inCommand.find((e) => e.status === 'Pending');
  const changes: EventChange[] = inCommand
    .filter((e) => e.status === 'InProgress' || e.status === 'Pending')
    .map((e) =>
      e === running
        ? { lifecycleEventName: e.lifecycleEventName, status: 'Failed', diagnostics }
        : { lifecycleEventName: e.lifecycleEventName, status: 'Skipped' },
    );
  return applyEventChanges(target, changes, now);
}

/** End the instance: events that never ran are Skipped (CodeDeploy shows them so after a failure). */
export function finishTarget(target: InstanceTarget, status: TargetStatus, now: Date): InstanceTarget {
  const lifecycleEvents: LifecycleEvent[] = target.lifecycleEvents.map((e) =>
    e.status === 'Pending' ? { ...e, status: 'Skipped' } : e,
  );
  return { ...target, status, lifecycleEvents, commandId: undefined, lastUpdatedAt: now.toISOString() };
}

/** A target that will never run because the deployment failed or stopped first. */
export function skipTarget(target: InstanceTarget, now: Date): InstanceTarget {
  return finishTarget(target, 'Skipped', now);
}

export function newTarget(deploymentId: string, instanceName: string, lifecycle: readonly LifecycleEventName[], now: Date): InstanceTarget {
  return {
    deploymentId,
    targetId: instanceName,
    status: 'Pending',
    lastUpdatedAt: now.toISOString(),
    lifecycleEvents: lifecycle.map((lifecycleEventName) => ({ lifecycleEventName, status: 'Pending' })),
    version: 0,
  };
}
