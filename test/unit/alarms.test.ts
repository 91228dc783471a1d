/**
 * Alarms on a blue/green deployment (shared/domain/alarms.ts): error rates over a window of the
 * router's counters, HTTP checks, one verdict from all of them, and which samples to keep.
 */
import { describe, expect, it } from 'vitest';
import {
  alarmVerdict,
  evaluateErrorRate,
  evaluateHttpCheck,
  keepSamples,
  type AlarmConfiguration,
  type AlarmEvaluation,
  type ErrorRateAlarm,
  type HttpCheckAlarm,
} from '../../shared/domain/alarms.js';
import type { CounterSample } from '../../shared/domain/blue-green.js';

const S = 1000;
const sample = (atS: number, requests: number, failures: number): CounterSample => ({ atMs: atS * S, requests, failures });
const errorRate = (over: Partial<ErrorRateAlarm> = {}): ErrorRateAlarm => ({ name: 'errors', type: 'ERROR_RATE', thresholdPercent: 10, minimumRequests: 20, windowSeconds: 60, ...over });

describe('evaluateErrorRate', () => {
  // Counters read every 30 s; the current reading is at t = 100 s, so a 60 s window starts at 40 s.
  const history = [sample(0, 0, 0), sample(30, 100, 5), sample(60, 200, 10), sample(90, 300, 20)];

  it.each<[string, ErrorRateAlarm, CounterSample[], CounterSample, AlarmEvaluation['state'], string]>([
    ['the base is the newest sample at or before the window start (30 s)', errorRate(), history, sample(100, 400, 50), 'ALARM', '45 of 300 requests to the replacement pool failed (15.0 %; threshold 10 %).'],
    ['a sample exactly at the window start is the base', errorRate({ windowSeconds: 70 }), history, sample(100, 400, 50), 'ALARM', '45 of 300 requests to the replacement pool failed (15.0 %; threshold 10 %).'],
    ['a shorter window starts later (base 90 s)', errorRate({ windowSeconds: 10 }), history, sample(100, 400, 50), 'ALARM', '30 of 100 requests to the replacement pool failed (30.0 %; threshold 10 %).'],
    ['a longer window than the history: the oldest sample is the base', errorRate({ windowSeconds: 3600, thresholdPercent: 20 }), history, sample(100, 400, 50), 'OK', '50 of 400 requests to the replacement pool failed (12.5 %; threshold 20 %).'],
    ['no sample before the start: the oldest one', errorRate(), [sample(50, 100, 0), sample(70, 150, 5)], sample(100, 300, 35), 'ALARM', '35 of 200 requests to the replacement pool failed (17.5 %; threshold 10 %).'],
    ['no history at all: the current reading is the whole window', errorRate(), [], sample(100, 40, 2), 'OK', '2 of 40 requests to the replacement pool failed (5.0 %; threshold 10 %).'],
    ['exactly at the threshold is ALARM', errorRate(), [sample(0, 0, 0)], sample(30, 100, 10), 'ALARM', '10 of 100 requests to the replacement pool failed (10.0 %; threshold 10 %).'],
    ['just below the threshold is OK', errorRate(), [sample(0, 0, 0)], sample(30, 1000, 99), 'OK', '99 of 1000 requests to the replacement pool failed (9.9 %; threshold 10 %).'],
    ['no failures is OK', errorRate(), [sample(0, 0, 0)], sample(30, 500, 0), 'OK', '0 of 500 requests to the replacement pool failed (0.0 %; threshold 10 %).'],
    ['all failed is ALARM', errorRate({ thresholdPercent: 100 }), [sample(0, 0, 0)], sample(30, 25, 25), 'ALARM', '25 of 25 requests to the replacement pool failed (100.0 %; threshold 100 %).'],
    ['a requests counter that dropped (router restarted): the current reading alone', errorRate(), [sample(0, 1000, 100)], sample(30, 50, 10), 'ALARM', '10 of 50 requests to the replacement pool failed (20.0 %; threshold 10 %).'],
    ['a failures counter that dropped: the current reading alone', errorRate(), [sample(0, 100, 50)], sample(30, 150, 10), 'OK', '10 of 150 requests to the replacement pool failed (6.7 %; threshold 10 %).'],
  ])('%s', (_name, alarm, samples, current, state, reason) => {
    expect(evaluateErrorRate(alarm, samples, current)).toEqual({ alarmName: 'errors', state, reason });
  });

  it.each([
    ['19 requests in the window, 20 needed', [sample(0, 100, 0)], sample(30, 119, 19), 'INSUFFICIENT_DATA', '19 request(s) in the window; at least 20 are needed.'],
    ['no request at all', [sample(0, 100, 0)], sample(30, 100, 0), 'INSUFFICIENT_DATA', '0 request(s) in the window; at least 20 are needed.'],
    ['exactly 20 requests are enough', [sample(0, 100, 0)], sample(30, 120, 20), 'ALARM', '20 of 20 requests to the replacement pool failed (100.0 %; threshold 10 %).'],
  ] as const)('%s → %s', (_name, samples, current, state, reason) => {
    expect(evaluateErrorRate(errorRate(), samples, current)).toEqual({ alarmName: 'errors', state, reason });
  });

  it('many requests before the window do not dilute the rate inside it', () => {
    const samples = [sample(0, 0, 0), sample(30, 100_000, 0)];
    // 100 % of the 30 new requests failed inside the window; over all time it would be 0.03 %.
    expect(evaluateErrorRate(errorRate({ windowSeconds: 60, minimumRequests: 20 }), samples, sample(100, 100_030, 30)).state).toBe('ALARM');
  });
});

describe('evaluateHttpCheck', () => {
  const check: HttpCheckAlarm = { name: 'health', type: 'HTTP_CHECK', url: 'http://127.0.0.1:8080/health', expectedStatus: 200, timeoutSeconds: 5 };

  it.each<[string, HttpCheckAlarm, { status?: number; error?: string }, AlarmEvaluation]>([
    ['the expected status is OK', check, { status: 200 }, { alarmName: 'health', state: 'OK', reason: 'http://127.0.0.1:8080/health answered 200.' }],
    ['another expected status', { ...check, expectedStatus: 204 }, { status: 204 }, { alarmName: 'health', state: 'OK', reason: 'http://127.0.0.1:8080/health answered 204.' }],
    ['a 503', check, { status: 503 }, { alarmName: 'health', state: 'ALARM', reason: 'http://127.0.0.1:8080/health answered 503; 200 was expected.' }],
    ['a 200 when 204 was expected', { ...check, expectedStatus: 204 }, { status: 200 }, { alarmName: 'health', state: 'ALARM', reason: 'http://127.0.0.1:8080/health answered 200; 204 was expected.' }],
    ['no answer', check, { error: 'ECONNREFUSED' }, { alarmName: 'health', state: 'ALARM', reason: 'http://127.0.0.1:8080/health did not answer (ECONNREFUSED); 200 was expected.' }],
    ['nothing at all', check, {}, { alarmName: 'health', state: 'ALARM', reason: 'http://127.0.0.1:8080/health did not answer (no response); 200 was expected.' }],
  ])('%s', (_name, alarm, result, expected) => {
    expect(evaluateHttpCheck(alarm, result)).toEqual(expected);
  });
});

describe('alarmVerdict', () => {
  const config = (ignorePollAlarmFailure: boolean): AlarmConfiguration => ({ enabled: true, ignorePollAlarmFailure, alarms: [], evaluationIntervalSeconds: 10 });
  const ok: AlarmEvaluation = { alarmName: 'a', state: 'OK', reason: 'fine' };
  const insufficient: AlarmEvaluation = { alarmName: 'b', state: 'INSUFFICIENT_DATA', reason: '3 request(s)' };
  const alarm: AlarmEvaluation = { alarmName: 'errors', state: 'ALARM', reason: '50 of 100 failed' };
  const pollFailed: AlarmEvaluation = { alarmName: 'stats', state: 'POLL_FAILED', reason: 'router unreachable' };

  it.each<[string, boolean, AlarmEvaluation[], string | undefined]>([
    ['no evaluations', false, [], undefined],
    ['OK and INSUFFICIENT_DATA', false, [ok, insufficient], undefined],
    ['one ALARM', false, [ok, alarm], 'The deployment was stopped because an alarm went off: errors (ALARM: 50 of 100 failed)'],
    ['one ALARM, poll failures ignored', true, [alarm, ok], 'The deployment was stopped because an alarm went off: errors (ALARM: 50 of 100 failed)'],
    ['POLL_FAILED not ignored', false, [ok, pollFailed], 'The deployment was stopped because an alarm went off: stats (could not be read: router unreachable)'],
    ['POLL_FAILED ignored', true, [ok, pollFailed, insufficient], undefined],
    ['ALARM and POLL_FAILED', false, [alarm, pollFailed], 'The deployment was stopped because 2 alarms went off: errors (ALARM: 50 of 100 failed); stats (could not be read: router unreachable)'],
    ['ALARM and an ignored POLL_FAILED', true, [pollFailed, alarm], 'The deployment was stopped because an alarm went off: errors (ALARM: 50 of 100 failed)'],
  ])('%s', (_name, ignore, evaluations, message) => {
    expect(alarmVerdict(config(ignore), evaluations)).toEqual(message === undefined ? { kind: 'ok' } : { kind: 'alarm', message });
  });
});

describe('keepSamples', () => {
  const every10s = Array.from({ length: 11 }, (_, i) => sample(i * 10, i * 100, i));
  const at = (samples: CounterSample[]) => samples.map((s) => s.atMs / S);
  const check: HttpCheckAlarm = { name: 'h', type: 'HTTP_CHECK', url: 'http://x/', expectedStatus: 200, timeoutSeconds: 5 };

  it.each<[string, ErrorRateAlarm[] | HttpCheckAlarm[] | Array<ErrorRateAlarm | HttpCheckAlarm>, number[]]>([
    ['the longest window (60 s) and the one sample before it', [errorRate({ windowSeconds: 30 }), errorRate({ windowSeconds: 60 })], [40, 50, 60, 70, 80, 90, 100]],
    ['a 25 s window: the sample at 70 s is the base', [errorRate({ windowSeconds: 25 })], [70, 80, 90, 100]],
    ['a window longer than the history: all of it', [errorRate({ windowSeconds: 3600 })], [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    ['no error-rate alarm: the newest only', [check], [100]],
    ['no alarm at all: the newest only', [], [100]],
  ])('%s', (_name, alarms, kept) => {
    expect(at(keepSamples(every10s, 100 * S, alarms))).toEqual(kept);
  });

  it('keeps nothing of nothing', () => {
    expect(keepSamples([], 100 * S, [errorRate()])).toEqual([]);
  });

  it('keeps at most 500, the newest', () => {
    const many = Array.from({ length: 600 }, (_, i) => sample(i, i, 0));
    const kept = keepSamples(many, 600 * S, [errorRate({ windowSeconds: 3600 })]);
    expect(kept).toHaveLength(500);
    expect(kept[0].atMs).toBe(100 * S);
    expect(kept.at(-1)?.atMs).toBe(599 * S);
  });

  it('what it keeps gives the same evaluation as the whole history', () => {
    const alarm = errorRate({ windowSeconds: 25 });
    const current = sample(105, 1200, 40);
    expect(evaluateErrorRate(alarm, keepSamples(every10s, current.atMs, [alarm]), current)).toEqual(evaluateErrorRate(alarm, every10s, current));
    expect(evaluateErrorRate(alarm, every10s, current).reason).toMatch(/^32 of 400 requests/);
  });
});
