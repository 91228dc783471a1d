/**
 * The traffic worker. Each weight step of a blue/green deployment is a delayed job (id per step)
 * due at `shiftStartedAt + offset`; the step re-reads the deployment, checks the alarms, sets the
 * weights (idempotently), and records the step — with its scheduled and applied times — in the
 * same compare-and-set that schedules the next one. A worker killed between two steps loses
 * nothing: the next step's job is already in Redis, due at its time.
 *
 * Alarm checks run on their own every evaluation interval while traffic is on the replacement
 * pool (`alarms` jobs, one id per interval slot).
 */
import { isDeploymentTerminal } from '../../shared/domain/statuses.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import { nextBlueGreen, type BlueGreenPhase, type ShiftRecord } from '../../shared/domain/blue-green.js';
import { shiftSchedule } from '../../shared/domain/traffic-routing.js';
import type { DeploymentEvent } from '../../shared/domain/events.js';
import { applyPercent, type TrafficDeps } from './weights.js';
import { readAlarms, stopOnAlarm } from './alarms.js';
import { canRestore } from './restore.js';

const MAX_ATTEMPTS = 20;
/** A job that fires this much before its due time waits in place rather than being rescheduled. */
const EARLY_WAIT_LIMIT_MS = 5_000;
/** How far ahead of its due time a step's job runs: time to read the alarms first. */
export const SHIFT_LEAD_MS = 300;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runShiftStep(deps: TrafficDeps, deploymentId: string): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await deps.store.deployments.get(deploymentId);
    const record = state?.blueGreen;
    if (state && record && state.stopping && !isDeploymentTerminal(state.status) && canRestore(record.phase)) {
      // A step re-run after its worker died between setting the weights and recording them: the
      // stop's restore may already have run, so put the weights back again (idempotent). Only while
      // the deployment still holds its group: once it has ended, a newer one may own the weights.
      await applyPercent(deps, state, 0);
      return;
    }
    if (!state || !record || record.phase !== 'Shifting' || record.nextStep === undefined || state.stopping || isDeploymentTerminal(state.status)) return;
    const dueMs = Date.parse(record.nextStepDueAt ?? '');
    const early = dueMs - deps.now().getTime();
    if (early > EARLY_WAIT_LIMIT_MS) {
      await deps.queues.traffic.add('shift', { deploymentId }, { jobId: `shift.${deploymentId}.${record.nextStep}.at-${dueMs}`, delay: early });
      return;
    }

    // The job is scheduled a little ahead of the step (SHIFT_LEAD_MS), so the alarms are read
    // before it and the weights move on time.
    const reading = await readAlarms(deps, state);
    if (reading.verdict.kind === 'alarm') return stopOnAlarm(deps, deploymentId, reading.verdict.message, reading.records);
    const wait = dueMs - deps.now().getTime();
    if (wait > 0) await sleep(wait);

    const schedule = shiftSchedule(record.routing);
    const index = record.nextStep;
    const weights = await applyPercent(deps, state, schedule[index].percent);
    // The replacement pool passed AllowTraffic, so it is in service; if it is not, retry with the job's backoff.
    if (!weights) throw new Error(`blue/green deployment ${deploymentId}: no replacement host is in service for step ${index}`);
    const appliedMs = deps.now().getTime();
    const shift: ShiftRecord = {
      step: index,
      percent: schedule[index].percent,
      weights,
      scheduledAt: new Date(dueMs).toISOString(),
      appliedAt: new Date(appliedMs).toISOString(),
      timingErrorMs: appliedMs - dueMs,
      reason: 'step',
    };
    const last = index === schedule.length - 1;
    const startMs = Date.parse(record.shiftStartedAt ?? new Date(dueMs).toISOString());
    const nextDueMs = last ? undefined : startMs + schedule[index + 1].offsetMs;
    const phase: BlueGreenPhase = last ? 'AfterAllowTraffic' : 'Shifting';
    const next = nextBlueGreen(record, {
      phase,
      percent: shift.percent,
      weights,
      history: [...record.history, shift],
      alarmEvaluations: [...record.alarmEvaluations, ...reading.records],
      samples: reading.samples,
      nextStep: last ? undefined : index + 1,
      nextStepDueAt: nextDueMs === undefined ? undefined : new Date(nextDueMs).toISOString(),
    });
    const events: DeploymentEvent[] = [{ type: 'TrafficShift', deploymentId, shift }];
    if (last) events.push({ type: 'BlueGreenPhase', deploymentId, phase, previousPhase: 'Shifting' });
    if (!(await deps.store.deployments.writeBlueGreen(deploymentId, record, next, { from: ['InProgress'], events }))) {
      if (await undoIfGoingBack(deps, deploymentId)) return;
      continue;
    }
    deps.log.info({ deploymentId, step: index, percent: shift.percent, weights, timingErrorMs: shift.timingErrorMs }, 'traffic shifted');
    if (last) await deps.queues.reconcile(deploymentId);
    else await deps.queues.shiftStep(deploymentId, index + 1, (nextDueMs ?? appliedMs) - SHIFT_LEAD_MS - deps.now().getTime());
    return;
  }
  throw new Error(`blue/green deployment ${deploymentId}: the shift step kept losing races; retried by the queue`);
}

/**
 * After a lost write: the weights were set from a record read before the wait, and a stop, a
 * failure or an alarm may have put the traffic back on the original pool meanwhile (its write is
 * what this one lost to). Then the weights just set must not stay: all back on the original pool,
 * as the restore left them (idempotent, so it does not matter which of the two sets 0 last).
 * Returns whether the deployment is on its way back (the step is over).
 */
async function undoIfGoingBack(deps: TrafficDeps, deploymentId: string): Promise<boolean> {
  const state = await deps.store.deployments.get(deploymentId);
  const record = state?.blueGreen;
  if (!state || !record) return true;
  const restoredByAlarm = record.phase === 'Shifting' && record.nextStep === undefined;
  const goingBack = state.stopping || restoredByAlarm || (isDeploymentTerminal(state.status) && state.status !== 'Succeeded');
  if (!goingBack) return false;
  if (canRestore(record.phase)) await applyPercent(deps, state, 0);
  deps.log.warn({ deploymentId }, 'a weight step lost to the way back; its weights were put back on the original pool');
  return true;
}

/** Phases in which traffic is (or may be) on the replacement pool, and alarms are watched. */
const WATCHED: readonly BlueGreenPhase[] = ['Shifting', 'AfterAllowTraffic', 'BlockingTraffic', 'TerminationWait', 'Terminating'];

/**
 * Make sure the alarm check of the current evaluation slot is scheduled (the scheduler calls this
 * on every look, so a check job that failed for good does not end the watch). One id per slot.
 */
export async function ensureAlarmWatch(deps: TrafficDeps, state: DeploymentState): Promise<void> {
  const record = state.blueGreen;
  const config = state.spec.alarmConfiguration;
  if (!record?.shiftStartedAt || !config?.enabled || config.alarms.length === 0 || !WATCHED.includes(record.phase)) return;
  const intervalMs = config.evaluationIntervalSeconds * 1000;
  const startMs = Date.parse(record.shiftStartedAt);
  const slot = Math.floor((deps.now().getTime() - startMs) / intervalMs) + 1;
  await deps.queues.alarmCheck(state.spec.deploymentId, slot, startMs + slot * intervalMs - deps.now().getTime());
}

export async function runAlarmCheck(deps: TrafficDeps, deploymentId: string, slot: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await deps.store.deployments.get(deploymentId);
    const record = state?.blueGreen;
    const config = state?.spec.alarmConfiguration;
    if (!state || !record || !config?.enabled || state.stopping || isDeploymentTerminal(state.status) || !WATCHED.includes(record.phase)) return;
    const reading = await readAlarms(deps, state);
    if (reading.verdict.kind === 'alarm') return stopOnAlarm(deps, deploymentId, reading.verdict.message, reading.records);
    const next = nextBlueGreen(record, { alarmEvaluations: [...record.alarmEvaluations, ...reading.records], samples: reading.samples });
    if (!(await deps.store.deployments.writeBlueGreen(deploymentId, record, next, { from: ['InProgress'] }))) continue;
    const intervalMs = config.evaluationIntervalSeconds * 1000;
    const startMs = Date.parse(record.shiftStartedAt ?? '') || deps.now().getTime();
    const nextSlot = Math.max(slot + 1, Math.floor((deps.now().getTime() - startMs) / intervalMs) + 1);
    await deps.queues.alarmCheck(deploymentId, nextSlot, startMs + nextSlot * intervalMs - deps.now().getTime());
    return;
  }
}
