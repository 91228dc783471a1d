/**
 * Putting all traffic back on the original pool at once: on an alarm, a stop, or a failure after
 * some weight had moved. The load balancer first (that is what users feel), then the record.
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import { nextBlueGreen, type AlarmEvaluationRecord, type ShiftRecord } from '../../shared/domain/blue-green.js';
import type { DeploymentEvent } from '../../shared/domain/events.js';
import { applyPercent, type TrafficDeps } from './weights.js';

/** Returns false when the record moved meanwhile (re-read and ask again). */
export async function restoreOriginalTraffic(
  deps: TrafficDeps,
  state: DeploymentState,
  reason: ShiftRecord['reason'],
  extra: { evaluations?: AlarmEvaluationRecord[]; events?: DeploymentEvent[] } = {},
): Promise<boolean> {
  const record = state.blueGreen;
  if (!record) return true;
  const weights = await applyPercent(deps, state, 0);
  const at = deps.now().toISOString();
  const shift: ShiftRecord = { step: record.history.length, percent: 0, weights, scheduledAt: at, appliedAt: at, timingErrorMs: 0, reason };
  const next = nextBlueGreen(record, {
    percent: 0,
    weights,
    nextStep: undefined,
    nextStepDueAt: undefined,
    history: [...record.history, shift],
    alarmEvaluations: [...record.alarmEvaluations, ...(extra.evaluations ?? [])],
  });
  const { deploymentId } = state.spec;
  const written = await deps.store.deployments.writeBlueGreen(deploymentId, record, next, {
    from: ['InProgress', 'Ready'],
    events: [{ type: 'TrafficShift', deploymentId, shift }, ...(extra.events ?? [])],
  });
  if (written) deps.log.warn({ deploymentId, reason, weights }, 'traffic put back on the original pool');
  return written;
}
