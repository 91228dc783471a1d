/**
 * Alarms on a blue/green deployment (CodeDeploy's `alarmConfiguration`), evaluated as pure
 * functions of what the load balancer's counters and an HTTP check show.
 *
 * CodeDeploy names CloudWatch alarms; Cutover has no CloudWatch, so each alarm says what it
 * watches:
 * - ERROR_RATE: the replacement pool's failed answers (5xx and connection errors) as a share of its
 *   requests over the last `windowSeconds`, from the router's counters; ALARM at or above
 *   `thresholdPercent` once at least `minimumRequests` requests were seen in the window.
 * - HTTP_CHECK: GET `url` must answer `expectedStatus` within `timeoutSeconds`.
 * An alarm that cannot be read (router unreachable) is POLL_FAILED: the deployment stops unless
 * `ignorePollAlarmFailure`, as in CodeDeploy.
 */
import type { CounterSample } from './blue-green.js';

export interface ErrorRateAlarm {
  name: string;
  type: 'ERROR_RATE';
  thresholdPercent: number;
  minimumRequests: number;
  windowSeconds: number;
}

export interface HttpCheckAlarm {
  name: string;
  type: 'HTTP_CHECK';
  url: string;
  expectedStatus: number;
  timeoutSeconds: number;
}

export type AlarmDefinition = ErrorRateAlarm | HttpCheckAlarm;

export interface AlarmConfiguration {
  enabled: boolean;
  ignorePollAlarmFailure: boolean;
  alarms: AlarmDefinition[];
  /** How often alarms are evaluated while traffic is on the replacement pool (Cutover's; CloudWatch's period). */
  evaluationIntervalSeconds: number;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'POLL_FAILED';

export interface AlarmEvaluation {
  alarmName: string;
  state: AlarmState;
  reason: string;
}

/** The sample the window starts from: the newest one at or before the window's start, else the oldest. */
function windowBase(samples: readonly CounterSample[], startMs: number): CounterSample | undefined {
  const before = samples.filter((s) => s.atMs <= startMs);
  return before.length > 0 ? before[before.length - 1] : samples[0];
}

export function evaluateErrorRate(alarm: ErrorRateAlarm, history: readonly CounterSample[], current: CounterSample): AlarmEvaluation {
  const base = windowBase(history, current.atMs - alarm.windowSeconds * 1000);
  // Counters only grow; a drop means the load balancer restarted, and the current reading is the whole window.
  const reset = !base || current.requests < base.requests || current.failures < base.failures;
  const requests = reset ? current.requests : current.requests - base.requests;
  const failures = reset ? current.failures : current.failures - base.failures;
  if (requests < alarm.minimumRequests) {
    return { alarmName: alarm.name, state: 'INSUFFICIENT_DATA', reason: `${requests} request(s) in the window; at least ${alarm.minimumRequests} are needed.` };
  }
  const rate = (100 * failures) / requests;
  const words = `${failures} of ${requests} requests to the replacement pool failed (${rate.toFixed(1)} %; threshold ${alarm.thresholdPercent} %)`;
  return rate >= alarm.thresholdPercent ? { alarmName: alarm.name, state: 'ALARM', reason: `${words}.` } : { alarmName: alarm.name, state: 'OK', reason: `${words}.` };
}

export interface HttpCheckResult {
  status?: number;
  error?: string;
}

export function evaluateHttpCheck(alarm: HttpCheckAlarm, result: HttpCheckResult): AlarmEvaluation {
  if (result.status === alarm.expectedStatus) return { alarmName: alarm.name, state: 'OK', reason: `${alarm.url} answered ${result.status}.` };
  const got = result.status !== undefined ? `answered ${result.status}` : `did not answer (${result.error ?? 'no response'})`;
  return { alarmName: alarm.name, state: 'ALARM', reason: `${alarm.url} ${got}; ${alarm.expectedStatus} was expected.` };
}

export type AlarmVerdict = { kind: 'ok' } | { kind: 'alarm'; message: string };

/** One verdict from every alarm's evaluation: any ALARM, or a POLL_FAILED that is not ignored, stops the deployment. */
export function alarmVerdict(config: AlarmConfiguration, evaluations: readonly AlarmEvaluation[]): AlarmVerdict {
  const firing = evaluations.filter((e) => e.state === 'ALARM' || (e.state === 'POLL_FAILED' && !config.ignorePollAlarmFailure));
  if (firing.length === 0) return { kind: 'ok' };
  return {
    kind: 'alarm',
    message: `The deployment was stopped because ${firing.length === 1 ? 'an alarm' : `${firing.length} alarms`} went off: ${firing
      .map((e) => `${e.alarmName} (${e.state === 'POLL_FAILED' ? 'could not be read' : 'ALARM'}: ${e.reason})`)
      .join('; ')}`,
  };
}

/** Samples worth keeping: those inside the longest window, plus the one just before it. */
export function keepSamples(samples: readonly CounterSample[], nowMs: number, alarms: readonly AlarmDefinition[]): CounterSample[] {
  const longest = Math.max(0, ...alarms.map((a) => (a.type === 'ERROR_RATE' ? a.windowSeconds * 1000 : 0)));
  const start = nowMs - longest;
  const inside = samples.filter((s) => s.atMs > start);
  const before = samples.filter((s) => s.atMs <= start);
  return [...before.slice(-1), ...inside].slice(-500);
}
