/**
 * The traffic-shift bench's arithmetic, kept pure so a unit test can pin it (test/unit/bench-shift.test.ts):
 * step timing errors out of a deployment's blue/green history, the share a load loop saw against
 * the configured percent, and the bench's arguments.
 */
import { summarize, type LatencySummary } from '../lib/stats.js';

/** One entry of a deployment's `blueGreen.history`, as the API shows it. */
export interface ShiftHistoryEntry {
  step: number;
  percent: number;
  scheduledAt: string;
  appliedAt: string;
  timingErrorMs: number;
  reason: string;
}

export interface TimingFigures {
  /** Every scheduled step (reason "step"); alarm or stop restores are not scheduled and left out. */
  all: LatencySummary;
  /** The steps after the first of each deployment: each a delayed job due at its time. */
  delayed: LatencySummary;
  /** Steps applied before their due time (a negative error): none, when the scheduler is right. */
  early: number;
}

/**
 * Timing errors (applied − scheduled, ms) of the scheduled steps of several deployments. The first
 * step of a deployment is due the moment the shift opens, so it measures the reconcile that opened
 * it as much as the timer; `delayed` is the steps that waited for their time.
 */
export function timingFigures(histories: readonly (readonly ShiftHistoryEntry[])[]): TimingFigures {
  const steps = histories.flatMap((h) => h.filter((e) => e.reason === 'step'));
  return {
    all: summarize(steps.map((s) => s.timingErrorMs)),
    delayed: summarize(steps.filter((s) => s.step > 0).map((s) => s.timingErrorMs)),
    early: steps.filter((s) => s.timingErrorMs < 0).length,
  };
}

/** Problems with one deployment's history against the schedule it should follow (empty when right). */
export function historyProblems(history: readonly ShiftHistoryEntry[], expectedPercents: readonly number[], intervalMs: number): string[] {
  const steps = history.filter((e) => e.reason === 'step');
  const problems: string[] = [];
  const percents = steps.map((s) => s.percent);
  if (percents.join(',') !== expectedPercents.join(',')) problems.push(`steps went ${percents.join(',')}, expected ${expectedPercents.join(',')}`);
  const start = Date.parse(steps[0]?.scheduledAt ?? '');
  steps.forEach((s, i) => {
    const offset = Date.parse(s.scheduledAt) - start;
    if (offset !== i * intervalMs) problems.push(`step ${s.step} scheduled at +${offset} ms, expected +${i * intervalMs} ms`);
    if (Date.parse(s.appliedAt) - Date.parse(s.scheduledAt) !== s.timingErrorMs) problems.push(`step ${s.step}: timingErrorMs ${s.timingErrorMs} ≠ appliedAt − scheduledAt`);
  });
  return problems;
}

export interface ShareFigure {
  percent: number;
  requests: number;
  answeredByNew: number;
  /** Percent of the answered requests that the new version answered. */
  share: number;
  /** |share − percent|, percentage points. */
  errorPp: number;
}

/** The share the new version had of the answered requests, against the configured percent. */
export function shareFigure(percent: number, byVersion: Readonly<Record<string, number>>, newVersion: string): ShareFigure {
  const requests = Object.values(byVersion).reduce((sum, n) => sum + n, 0);
  const answeredByNew = byVersion[newVersion] ?? 0;
  const share = requests === 0 ? Number.NaN : (100 * answeredByNew) / requests;
  return { percent, requests, answeredByNew, share, errorPp: Math.abs(share - percent) };
}

/** The worst share error over several measured shares (NaN when any is NaN: a share that was not measured fails the line). */
export function worstShareError(figures: readonly ShareFigure[]): number {
  if (figures.length === 0) return Number.NaN;
  return figures.reduce((worst, f) => (Number.isNaN(f.errorPp) || Number.isNaN(worst) ? Number.NaN : Math.max(worst, f.errorPp)), 0);
}

/** "10,25,50" → [10, 25, 50]: whole canary percentages from 1 to 99 (CodeDeploy's range). */
export function parseShares(text: string): number[] {
  const shares = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shares.length === 0 || shares.some((p) => !Number.isInteger(p) || p < 1 || p > 99)) {
    throw new Error(`--shares takes whole percentages from 1 to 99, comma-separated (got "${text}")`);
  }
  return shares;
}

export type DriverName = 'builtin' | 'haproxy';

export function parseDrivers(text: string): DriverName[] {
  const drivers = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = drivers.filter((d) => d !== 'builtin' && d !== 'haproxy');
  if (drivers.length === 0 || bad.length > 0) throw new Error(`--drivers takes builtin and/or haproxy (got "${text}")`);
  return drivers as DriverName[];
}

/** When BullMQ handed a step's job to the worker (its job hash's processedOn), for the split below. */
export interface StepJob {
  step: number;
  processedOn?: number;
}

export interface StepSplit {
  /** Job handed over − step due: the delayed job's lateness (BullMQ's promotion, the worker's event loop). */
  pickup: LatencySummary;
  /** Step applied − job handed over: the step's own work (reads, the alarm check, the load balancer calls, the write). */
  work: LatencySummary;
  /** Steps whose job was not found (trimmed, or run under another id after a reschedule). */
  missing: number;
}

/** Split each step's timing error into pickup and work, from the steps' jobs (several deployments at once). */
export function splitSteps(runs: readonly { history: readonly ShiftHistoryEntry[]; jobs: readonly StepJob[] }[]): StepSplit {
  const pickup: number[] = [];
  const work: number[] = [];
  let missing = 0;
  for (const { history, jobs } of runs) {
    for (const entry of history.filter((e) => e.reason === 'step')) {
      const processedOn = jobs.find((j) => j.step === entry.step)?.processedOn;
      if (processedOn === undefined || !Number.isFinite(processedOn)) {
        missing++;
        continue;
      }
      // A job handed over before its due time waits inside the step (early jobs sleep): not lateness, not work.
      const due = Date.parse(entry.scheduledAt);
      pickup.push(Math.max(0, processedOn - due));
      work.push(Date.parse(entry.appliedAt) - Math.max(processedOn, due));
    }
  }
  return { pickup: summarize(pickup), work: summarize(work), missing };
}
