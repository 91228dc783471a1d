/** The traffic-shift bench's pure helpers (scripts/bench/shift/figures.ts). */
import { describe, expect, it } from 'vitest';
import { historyProblems, parseDrivers, parseShares, shareFigure, splitSteps, timingFigures, worstShareError, type ShiftHistoryEntry } from '../../scripts/bench/shift/figures.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

function entry(step: number, percent: number, dueOffsetMs: number, errorMs: number, reason = 'step'): ShiftHistoryEntry {
  return {
    step,
    percent,
    scheduledAt: new Date(T0 + dueOffsetMs).toISOString(),
    appliedAt: new Date(T0 + dueOffsetMs + errorMs).toISOString(),
    timingErrorMs: errorMs,
    reason,
  };
}

describe('timingFigures', () => {
  it('summarizes every scheduled step of several deployments; the delayed ones apart; restores left out', () => {
    const a = [entry(0, 50, 0, 40), entry(1, 100, 1000, 10)];
    const b = [entry(0, 50, 0, 30), entry(1, 100, 1000, 20), entry(2, 0, 1500, 5, 'alarm')];
    const t = timingFigures([a, b]);
    expect(t.all).toMatchObject({ count: 4, min: 10, p50: 20, p99: 40, max: 40 });
    expect(t.delayed).toMatchObject({ count: 2, p50: 10, max: 20 });
    expect(t.early).toBe(0);
  });

  it('counts steps applied before their due time', () => {
    expect(timingFigures([[entry(0, 50, 0, -3), entry(1, 100, 1000, 2)]]).early).toBe(1);
  });

  it('is empty (NaN figures) with no steps', () => {
    expect(timingFigures([]).all.p99).toBeNaN();
  });
});

describe('historyProblems', () => {
  it('accepts a history that follows the schedule', () => {
    const history = [entry(0, 25, 0, 5), entry(1, 50, 1000, 7), entry(2, 75, 2000, 3), entry(3, 100, 3000, 9)];
    expect(historyProblems(history, [25, 50, 75, 100], 1000)).toEqual([]);
  });

  it('names a missing step, a step due at the wrong time and an error that does not add up', () => {
    const history = [entry(0, 25, 0, 5), entry(1, 50, 1100, 7), { ...entry(2, 100, 2000, 3), timingErrorMs: 4 }];
    const problems = historyProblems(history, [25, 50, 75, 100], 1000);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/steps went 25,50,100, expected 25,50,75,100/);
    expect(problems[1]).toMatch(/step 1 scheduled at \+1100 ms, expected \+1000 ms/);
    expect(problems[2]).toMatch(/step 2: timingErrorMs 4/);
  });
});

describe('shareFigure and worstShareError', () => {
  it('is the new version’s share of the answered requests against the configured percent', () => {
    const f = shareFigure(10, { '1': 8_950, '2': 1_050 }, '2');
    expect(f).toMatchObject({ percent: 10, requests: 10_000, answeredByNew: 1_050 });
    expect(f.share).toBeCloseTo(10.5, 10);
    expect(f.errorPp).toBeCloseTo(0.5, 10);
  });

  it('an absent new version is a 0 % share; no requests at all is NaN', () => {
    expect(shareFigure(25, { '1': 400 }, '2').errorPp).toBe(25);
    expect(shareFigure(25, {}, '2').errorPp).toBeNaN();
  });

  it('takes the worst share; any unmeasured share makes it NaN', () => {
    const good = shareFigure(10, { '1': 90, '2': 10 }, '2');
    const off = shareFigure(50, { '1': 48, '2': 52 }, '2');
    expect(worstShareError([good, off])).toBeCloseTo(2, 10);
    expect(worstShareError([good, shareFigure(50, {}, '2')])).toBeNaN();
    expect(worstShareError([])).toBeNaN();
  });
});

describe('splitSteps', () => {
  it('splits each error into the job’s pickup lateness and the step’s own work', () => {
    const history = [entry(0, 50, 0, 30), entry(1, 100, 1000, 12)];
    // Step 0's job was handed over 20 ms late; step 1's 200 ms early (it slept in the step until due).
    const s = splitSteps([{ history, jobs: [{ step: 0, processedOn: T0 + 20 }, { step: 1, processedOn: T0 + 800 }] }]);
    expect(s.pickup).toMatchObject({ count: 2, min: 0, max: 20 });
    expect(s.work).toMatchObject({ count: 2, min: 10, max: 12 });
    expect(s.missing).toBe(0);
  });

  it('counts steps whose job is gone', () => {
    expect(splitSteps([{ history: [entry(0, 100, 0, 5)], jobs: [{ step: 0 }] }]).missing).toBe(1);
  });
});

describe('arguments', () => {
  it('parses shares and drivers, refusing what CodeDeploy would', () => {
    expect(parseShares('10, 25,50')).toEqual([10, 25, 50]);
    for (const bad of ['', '0', '100', '12.5', 'ten']) expect(() => parseShares(bad)).toThrow(/--shares/);
    expect(parseDrivers('builtin,haproxy')).toEqual(['builtin', 'haproxy']);
    expect(() => parseDrivers('nginx')).toThrow(/--drivers/);
  });
});
