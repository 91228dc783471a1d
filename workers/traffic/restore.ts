/**
 * Putting all traffic back on the original pool at once: on an alarm, a stop, or a failure after
 * some weight had moved. The load balancer first (that is what users feel), then the record.
 *
 * Only while the original pool is still in service: once BlockingTraffic has begun it is being
 * taken out, and giving it the weight back would send requests nowhere. From then on the way back
 * is the rollback deployment, whose AllowTraffic registers the original pool again.
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import { nextBlueGreen, type AlarmEvaluationRecord, type BlueGreenPhase, type ShiftRecord } from '../../shared/domain/blue-green.js';
import type { DeploymentEvent } from '../../shared/domain/events.js';
import { applyPercent, type TrafficDeps } from './weights.js';

const RESTORABLE: readonly BlueGreenPhase[] = ['AllowingTraffic', 'Shifting', 'AfterAllowTraffic'];

/** Whether the traffic can still be put back on the original pool by weights alone. */
export function canRestore(phase: BlueGreenPhase): boolean {
  return RESTORABLE.includes(phase);
}

/** Returns false when the record moved meanwhile (re-read and ask again). */
export async function restoreOriginalTraffic(
  deps: TrafficDeps,
  state: DeploymentState,
  reason: ShiftRecord['reason'],
  extra: { evaluations?: AlarmEvaluationRecord[]; events?: DeploymentEvent[] } = {},
): Promise<boolean> {
  const record = state.blueGreen;
  if (!record) return true;
  const weights = RESTORABLE.includes(record.phase) && record.percent > 0 ? await applyPercent(deps, state, 0) : undefined;
  const at = deps.now().toISOString();
  const shift: ShiftRecord | undefined = weights && { step: record.history.length, percent: 0, weights, scheduledAt: at, appliedAt: at, timingErrorMs: 0, reason };
  const next = nextBlueGreen(record, {
    ...(shift ? { percent: 0, weights, history: [...record.history, shift] } : {}),
    nextStep: undefined,
    nextStepDueAt: undefined,
    alarmEvaluations: [...record.alarmEvaluations, ...(extra.evaluations ?? [])],
  });
  const { deploymentId } = state.spec;
  const written = await deps.store.deployments.writeBlueGreen(deploymentId, record, next, {
    from: ['InProgress', 'Ready'],
    events: [...(shift ? [{ type: 'TrafficShift' as const, deploymentId, shift }] : []), ...(extra.events ?? [])],
  });
  if (written && shift) deps.log.warn({ deploymentId, reason, weights }, 'traffic put back on the original pool');
  return written;
}
