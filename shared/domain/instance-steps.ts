/**
 * What one instance does next, derived from its lifecycle events alone (level-triggered):
 * consecutive script events travel to the agent as one command; traffic events are done by the
 * control plane; a failed event ends the instance with the rest Skipped.
 */
import { isTrafficEvent, type LifecycleEventName, type TrafficEventName } from './lifecycle.js';
import type { LifecycleEvent } from './types.js';

export type InstanceStep =
  | { kind: 'agent'; events: LifecycleEventName[] }
  | { kind: 'traffic'; event: TrafficEventName }
  | { kind: 'busy' }
  /** Blue/green: the next event waits for the deployment's phase to open it (see blue-green.ts gateOpen). */
  | { kind: 'gated'; event: LifecycleEventName }
  | { kind: 'finish'; status: 'Succeeded' | 'Failed' };

/** Whether the instance may start this event now; in place, always. */
export type EventGate = (event: LifecycleEventName) => boolean;
const ALWAYS_OPEN: EventGate = () => true;

export function nextInstanceStep(events: readonly LifecycleEvent[], gate: EventGate = ALWAYS_OPEN): InstanceStep {
  if (events.some((e) => e.status === 'Failed' || e.status === 'Unknown')) return { kind: 'finish', status: 'Failed' };
  if (events.some((e) => e.status === 'InProgress')) return { kind: 'busy' };
  const first = events.findIndex((e) => e.status === 'Pending');
  if (first === -1) return { kind: 'finish', status: 'Succeeded' };
  const name = events[first].lifecycleEventName;
  if (!gate(name)) return { kind: 'gated', event: name };
  if (isTrafficEvent(name)) return { kind: 'traffic', event: name };
  const batch: LifecycleEventName[] = [];
  for (const event of events.slice(first)) {
    if (event.status !== 'Pending' || isTrafficEvent(event.lifecycleEventName) || !gate(event.lifecycleEventName)) break;
    batch.push(event.lifecycleEventName);
  }
  return { kind: 'agent', events: batch };
}
