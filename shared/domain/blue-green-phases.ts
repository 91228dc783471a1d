/**
 * What the scheduler does next with a blue/green deployment, as one pure function of its record,
 * its targets and the time (table-tested; the scheduler only carries the decision out). The
 * install phase is the in-place window over the replacement pool (decideAdvance); every later
 * phase waits until its instances are through their part of the lifecycle, then opens the next.
 */
import type { BlueGreenDeploymentConfiguration, BlueGreenPhase, BlueGreenState } from './blue-green.js';
import { readyWaitMs, terminates, terminationWaitMs } from './blue-green.js';
import type { LifecycleEventName } from './lifecycle.js';
import type { ErrorInformation, InstanceTarget } from './types.js';
import type { HealthPlan } from './window.js';

export type BlueGreenDecision =
  /** Installing: the in-place window over the replacement pool decides (decideAdvance). */
  | { kind: 'install' }
  | { kind: 'wait'; wakeAt?: string }
  | { kind: 'enter'; phase: BlueGreenPhase; status?: 'InProgress' | 'Ready'; change?: Partial<BlueGreenState>; wakeAt?: string }
  /** Pending instances start their part (first agent command). */
  | { kind: 'release'; instances: string[] }
  /** Instances waiting at the gate (Ready, or InProgress with nothing open) walk on. */
  | { kind: 'resume'; instances: string[] }
  | { kind: 'close'; status: 'Succeeded' | 'Failed' | 'Stopped'; error?: ErrorInformation };

export interface BlueGreenView {
  record: BlueGreenState;
  config: BlueGreenDeploymentConfiguration;
  plan: HealthPlan;
  targets: readonly InstanceTarget[];
  nowMs: number;
}

const failed = (t: InstanceTarget) => t.status === 'Failed' || t.status === 'Unknown';
const done = (t: InstanceTarget) => t.status === 'Succeeded' || t.status === 'Failed' || t.status === 'Unknown' || t.status === 'Skipped';
const ended = (t: InstanceTarget, event: LifecycleEventName) => {
  const e = t.lifecycleEvents.find((x) => x.lifecycleEventName === event);
  return e !== undefined && (e.status === 'Succeeded' || e.status === 'Skipped');
};
/** At a gate: in progress with no event running and no command open (the worker stopped it there). */
const waitingAtGate = (t: InstanceTarget) =>
  t.status === 'Ready' || (t.status === 'InProgress' && t.commandId === undefined && !t.lifecycleEvents.some((e) => e.status === 'InProgress'));

function healthError(plan: HealthPlan, through: number, what: string): ErrorInformation {
  return {
    code: 'HEALTH_CONSTRAINTS',
    message: `Too few replacement instances ${what}: ${through} of ${plan.total}; at least ${Math.max(1, plan.minHealthy)} must.`,
  };
}

export function decideBlueGreen(view: BlueGreenView): BlueGreenDecision {
  const { record, config, plan, nowMs } = view;
  const green = view.targets.filter((t) => t.instanceLabel === 'Green');
  const blue = view.targets.filter((t) => t.instanceLabel === 'Blue');
  const needed = Math.max(1, plan.minHealthy);
  const iso = (ms: number) => new Date(ms).toISOString();

  switch (record.phase) {
    case 'Installing':
      return { kind: 'install' };

    case 'Ready': {
      const deadline = record.readyDeadline ? Date.parse(record.readyDeadline) : Number.POSITIVE_INFINITY;
      if (nowMs >= deadline) {
        return {
          kind: 'close',
          status: 'Stopped',
          error: { code: 'TIMEOUT', message: 'The deployment was stopped: the replacement instances were Ready but no ContinueDeployment came within the ready wait time; no traffic was moved.' },
        };
      }
      return { kind: 'wait', wakeAt: record.readyDeadline };
    }

    case 'AllowingTraffic': {
      const pending = green.filter((t) => t.status === 'Pending').map((t) => t.targetId);
      if (pending.length > 0) return { kind: 'release', instances: pending };
      const ready = green.filter((t) => t.status === 'Ready').map((t) => t.targetId);
      if (ready.length > 0) return { kind: 'resume', instances: ready };
      const through = green.filter((t) => !failed(t) && ended(t, 'AllowTraffic'));
      if (through.length + green.filter(failed).length < green.length) return { kind: 'wait' };
      if (through.length < needed) return { kind: 'close', status: 'Failed', error: healthError(plan, through.length, 'took traffic from the load balancer') };
      return { kind: 'enter', phase: 'Shifting', change: { shiftStartedAt: iso(nowMs), nextStep: 0, nextStepDueAt: iso(nowMs) } };
    }

    case 'Shifting':
      return { kind: 'wait' };

    case 'AfterAllowTraffic': {
      const gated = green.filter((t) => t.status === 'InProgress' && waitingAtGate(t) && !ended(t, 'AfterAllowTraffic')).map((t) => t.targetId);
      if (gated.length > 0) return { kind: 'resume', instances: gated };
      if (!green.every(done)) return { kind: 'wait' };
      const succeeded = green.filter((t) => t.status === 'Succeeded').length;
      if (succeeded < needed) return { kind: 'close', status: 'Failed', error: healthError(plan, succeeded, 'passed AfterAllowTraffic') };
      return { kind: 'enter', phase: 'BlockingTraffic' };
    }

    case 'BlockingTraffic': {
      const pending = blue.filter((t) => t.status === 'Pending').map((t) => t.targetId);
      if (pending.length > 0) return { kind: 'release', instances: pending };
      const through = (t: InstanceTarget) => done(t) || ended(t, 'AfterBlockTraffic');
      if (!blue.every(through)) return { kind: 'wait' };
      const broken = blue.filter(failed);
      if (broken.length > 0) {
        return {
          kind: 'close',
          status: 'Failed',
          error: {
            code: 'HEALTH_CONSTRAINTS',
            message: `Blocking traffic to the original instances failed on ${broken.map((t) => t.targetId).join(', ')}; a blue/green deployment needs every original instance deregistered.`,
          },
        };
      }
      // Nothing follows the block: close once the instances themselves have ended (AfterBlockTraffic
      // over is not yet Succeeded), so the deployment never reports Succeeded with instances InProgress.
      if (record.rerouteOnly || !terminates(config)) return blue.every(done) ? { kind: 'close', status: 'Succeeded' } : { kind: 'wait' };
      const due = nowMs + terminationWaitMs(config.terminateBlueInstancesOnDeploymentSuccess);
      return { kind: 'enter', phase: 'TerminationWait', change: { terminationDueAt: iso(due) }, wakeAt: iso(due) };
    }

    case 'TerminationWait': {
      const due = record.terminationDueAt ? Date.parse(record.terminationDueAt) : nowMs;
      if (nowMs >= due) return { kind: 'enter', phase: 'Terminating' };
      return { kind: 'wait', wakeAt: record.terminationDueAt };
    }

    case 'Terminating': {
      const gated = blue.filter((t) => t.status === 'InProgress' && waitingAtGate(t)).map((t) => t.targetId);
      if (gated.length > 0) return { kind: 'resume', instances: gated };
      // A failed ApplicationStop on an idle host shows on the instance; the new pool serves, so the deployment stands.
      return blue.every(done) ? { kind: 'close', status: 'Succeeded' } : { kind: 'wait' };
    }
  }
}

/** After the install: wait in Ready (STOP_DEPLOYMENT) or go straight on to traffic. */
export function afterInstall(config: BlueGreenDeploymentConfiguration, nowMs: number): BlueGreenDecision {
  const wait = readyWaitMs(config.deploymentReadyOption);
  if (wait === undefined) return { kind: 'enter', phase: 'AllowingTraffic' };
  const deadline = new Date(nowMs + wait).toISOString();
  return { kind: 'enter', phase: 'Ready', status: 'Ready', change: { readyDeadline: deadline }, wakeAt: deadline };
}

/** Nothing runs for it any more: no command open, no event running (gated instances are idle). */
export function nothingInFlight(targets: readonly InstanceTarget[]): boolean {
  return targets.every((t) => t.commandId === undefined && !t.lifecycleEvents.some((e) => e.status === 'InProgress'));
}
