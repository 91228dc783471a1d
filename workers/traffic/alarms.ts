/**
 * Reading a blue/green deployment's alarms: the replacement pool's counters from the load balancer
 * (for ERROR_RATE alarms) and each HTTP check, turned into evaluations by the pure rules in
 * shared/domain/alarms.ts. And what happens when one goes off: all traffic back on the original
 * pool at once, then the deployment is stopped with ALARM_ACTIVE (its rollback, if the group
 * wants one on DEPLOYMENT_STOP_ON_ALARM, follows from the stop).
 */
import type { DeploymentState } from '../../shared/store/deployments.js';
import type { AlarmEvaluationRecord, CounterSample } from '../../shared/domain/blue-green.js';
import { alarmVerdict, evaluateErrorRate, evaluateHttpCheck, keepSamples, type AlarmEvaluation, type AlarmVerdict, type HttpCheckAlarm, type HttpCheckResult } from '../../shared/domain/alarms.js';
import { stopDeployment } from '../../shared/operations/stop-deployment.js';
import { routerFor, type TrafficDeps } from './weights.js';
import { restoreOriginalTraffic } from './restore.js';

export interface AlarmReading {
  records: AlarmEvaluationRecord[];
  samples: CounterSample[];
  verdict: AlarmVerdict;
}

async function httpCheck(alarm: HttpCheckAlarm): Promise<HttpCheckResult> {
  try {
    const response = await fetch(alarm.url, { signal: AbortSignal.timeout(alarm.timeoutSeconds * 1000), redirect: 'manual' });
    await response.body?.cancel();
    return { status: response.status };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The replacement pool's request and failure counters, summed over its hosts. */
async function replacementCounters(deps: TrafficDeps, state: DeploymentState, atMs: number): Promise<CounterSample> {
  const { router } = routerFor(deps, state);
  const green = new Set((await deps.store.deployments.listTargets(state.spec.deploymentId)).filter((t) => t.instanceLabel === 'Green').map((t) => t.targetId));
  const sample: CounterSample = { atMs, requests: 0, failures: 0 };
  for (const t of (await router.stats()).targets) {
    if (!green.has(t.id)) continue;
    sample.requests += t.requests;
    sample.failures += t.responses5xx + t.errors;
  }
  return sample;
}

export async function readAlarms(deps: TrafficDeps, state: DeploymentState): Promise<AlarmReading> {
  const config = state.spec.alarmConfiguration;
  const history = state.blueGreen?.samples ?? [];
  if (!config?.enabled || config.alarms.length === 0) return { records: [], samples: history, verdict: { kind: 'ok' } };
  const nowMs = deps.now().getTime();
  let current: CounterSample | undefined;
  let pollError: string | undefined;
  if (config.alarms.some((a) => a.type === 'ERROR_RATE')) {
    try {
      current = await replacementCounters(deps, state, nowMs);
    } catch (err) {
      pollError = (err as Error).message;
    }
  }
  const evaluations: AlarmEvaluation[] = await Promise.all(
    config.alarms.map(async (alarm): Promise<AlarmEvaluation> => {
      if (alarm.type === 'HTTP_CHECK') return evaluateHttpCheck(alarm, await httpCheck(alarm));
      if (!current) return { alarmName: alarm.name, state: 'POLL_FAILED', reason: `The load balancer's counters could not be read: ${pollError ?? 'unknown error'}` };
      return evaluateErrorRate(alarm, history, current);
    }),
  );
  const at = new Date(nowMs).toISOString();
  return {
    records: evaluations.map((e) => ({ at, ...e })),
    samples: current ? keepSamples([...history, current], nowMs, config.alarms) : history,
    verdict: alarmVerdict(config, evaluations),
  };
}

/** An alarm went off: traffic back first, then the stop. Idempotent; safe to run again after a crash. */
export async function stopOnAlarm(deps: TrafficDeps, deploymentId: string, message: string, records: AlarmEvaluationRecord[]): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const state = await deps.store.deployments.get(deploymentId);
    if (!state?.blueGreen) return;
    const restored = await restoreOriginalTraffic(deps, state, 'alarm', {
      evaluations: records,
      events: [{ type: 'Alarm', deploymentId, evaluations: records, message }],
    });
    if (restored) break;
  }
  deps.log.warn({ deploymentId, message }, 'alarm: deployment stopping');
  const state = await deps.store.deployments.get(deploymentId);
  if (!state || state.stopping || !['InProgress', 'Ready'].includes(state.status)) return;
  await stopDeployment(deps, deploymentId, undefined, { code: 'ALARM_ACTIVE', message });
}
