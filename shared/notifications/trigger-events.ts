/**
 * Which CodeDeploy trigger events a recorded deployment event is, and which trigger targets hear
 * of it. Pure: the dispatcher (workers/notifier/dispatch.ts) feeds it the global event stream.
 *
 *   DeploymentStatus → InProgress from Created/Queued  DeploymentStart
 *   DeploymentStatus → Succeeded | Failed | Stopped    DeploymentSuccess | DeploymentFailure | DeploymentStop
 *   DeploymentStatus → Ready                           DeploymentReady
 *   DeploymentAction RollbackStarted                   DeploymentRollback (of the deployment rolled back)
 *   InstanceStatus   → InProgress from Pending         InstanceStart
 *   InstanceStatus   → Succeeded | Failed | Ready      InstanceSuccess | InstanceFailure | InstanceReady
 * Everything else (Queued, Baking, Skipped and Unknown targets, lifecycle events) notifies nobody,
 * as in CodeDeploy. A blue/green deployment resuming Ready → InProgress is not a second start.
 */
import { createHash } from 'node:crypto';
import type { DeploymentEvent } from '../domain/events.js';
import type { TriggerConfig, TriggerEventType, TriggerTarget } from '../domain/triggers.js';

export function triggerEventsFor(event: DeploymentEvent): TriggerEventType[] {
  if (event.type === 'DeploymentAction') return event.action === 'RollbackStarted' ? ['DeploymentRollback'] : [];
  if (event.type === 'DeploymentStatus') {
    switch (event.status) {
      case 'InProgress':
        return event.previousStatus === 'Created' || event.previousStatus === 'Queued' ? ['DeploymentStart'] : [];
      case 'Succeeded':
        return ['DeploymentSuccess'];
      case 'Failed':
        return ['DeploymentFailure'];
      case 'Stopped':
        return ['DeploymentStop'];
      case 'Ready':
        return ['DeploymentReady'];
      default:
        return [];
    }
  }
  if (event.type === 'InstanceStatus') {
    switch (event.status) {
      case 'InProgress':
        return event.previousStatus === 'Pending' ? ['InstanceStart'] : [];
      case 'Succeeded':
        return ['InstanceSuccess'];
      case 'Failed':
        return ['InstanceFailure'];
      case 'Ready':
        return ['InstanceReady'];
      default:
        return [];
    }
  }
  return [];
}

export interface MatchedTarget {
  triggerEvent: TriggerEventType;
  triggerName: string;
  target: TriggerTarget;
  targetKey: string;
}

/** Every (trigger, target) that hears of `events`; a target listed twice in one trigger hears once. */
export function matchTargets(triggers: readonly TriggerConfig[], events: readonly TriggerEventType[]): MatchedTarget[] {
  const matched: MatchedTarget[] = [];
  for (const triggerEvent of events) {
    for (const trigger of triggers) {
      if (!trigger.triggerEvents.includes(triggerEvent)) continue;
      const seen = new Set<string>();
      for (const target of trigger.targets) {
        const key = targetKey(target);
        if (seen.has(key)) continue;
        seen.add(key);
        matched.push({ triggerEvent, triggerName: trigger.triggerName, target, targetKey: key });
      }
    }
  }
  return matched;
}

/** A stable, secret-free name for a target (a hash of where it sends, not of its secret). */
export function targetKey(target: TriggerTarget): string {
  const where = target.type === 'email' ? [...target.to].map((a) => a.toLowerCase()).sort().join(',') : target.url;
  return createHash('sha256').update(`${target.type}\0${where}`).digest('hex').slice(0, 16);
}

/**
 * The delivery id of one (event, trigger event, trigger, target): deterministic, so reading the
 * stream again after a crash produces the same ids and a duplicate is impossible. It is also the
 * BullMQ job id (no ':' allowed there), the email Message-ID and the webhook's delivery header.
 */
export function deliveryIdFor(streamId: string, triggerEvent: TriggerEventType, triggerName: string, key: string): string {
  const suffix = createHash('sha256').update(`${triggerEvent}\0${triggerName}\0${key}`).digest('hex').slice(0, 16);
  return `n-${streamId}-${suffix}`;
}
