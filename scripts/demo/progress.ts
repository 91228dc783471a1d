/** Watching a deployment: one line each time its status, counts or any host's current event change. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeploymentInfo, InstanceTarget } from '../../shared/domain/types.js';
import { DemoError, type CutoverApi } from './cutover-api.js';

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);
const POLL_MS = 1000;
/** Far above what the sample app's hook timeouts allow, so only a stuck system reaches it. */
const WATCH_LIMIT_MS = 10 * 60_000;

export interface Outcome {
  deployment: DeploymentInfo;
  targets: InstanceTarget[];
}

export async function watchDeployment(api: CutoverApi, deploymentId: string, signal: AbortSignal, print: (line: string) => void): Promise<Outcome> {
  const started = Date.now();
  let lastLine = '';
  for (;;) {
    const [deployment, targets] = await Promise.all([api.deployment(deploymentId), api.targets(deploymentId)]);
    const line = progressLine(deployment, targets);
    if (line !== lastLine) {
      print(`  [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
      lastLine = line;
    }
    if (TERMINAL.has(deployment.status)) return { deployment, targets };
    if (Date.now() - started > WATCH_LIMIT_MS) {
      throw new DemoError(`deployment ${deploymentId} is still ${deployment.status} after ${WATCH_LIMIT_MS / 60_000} minutes`);
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** `InProgress  Pending 1 · InProgress 1 · Succeeded 1 · ... | demo-host-1 Succeeded, demo-host-2 AfterInstall, ...` */
export function progressLine(deployment: DeploymentInfo, targets: InstanceTarget[]): string {
  const o = deployment.deploymentOverview;
  const counts = `Pending ${o.Pending} · InProgress ${o.InProgress} · Succeeded ${o.Succeeded} · Failed ${o.Failed} · Skipped ${o.Skipped}`;
  const hosts = [...targets]
    .sort((a, b) => a.targetId.localeCompare(b.targetId))
    .map((t) => `${t.targetId} ${currentStep(t)}`)
    .join(', ');
  return `${deployment.status.padEnd(10)} ${counts}${hosts ? ` | ${hosts}` : ''}`;
}

/** What a host is doing: the event in progress while it is InProgress, else its status (with where it failed). */
export function currentStep(target: InstanceTarget): string {
  if (target.status === 'Failed') {
    const failed = target.lifecycleEvents.find((e) => e.status === 'Failed');
    return failed ? `Failed at ${failed.lifecycleEventName}` : 'Failed';
  }
  if (target.status !== 'InProgress') return target.status;
  return target.lifecycleEvents.find((e) => e.status === 'InProgress')?.lifecycleEventName ?? target.status;
}

/** The deployment's error and, for each failed host, each failed event's diagnostics and log tail. */
export function failureReport(outcome: Outcome): string[] {
  const { deployment, targets } = outcome;
  const lines = [`Deployment ${deployment.deploymentId} ended ${deployment.status}.`];
  if (deployment.errorInformation) lines.push(`  ${deployment.errorInformation.code}: ${deployment.errorInformation.message}`);
  for (const target of targets.filter((t) => t.status === 'Failed')) {
    for (const event of target.lifecycleEvents.filter((e) => e.status === 'Failed')) {
      const d = event.diagnostics;
      lines.push('', `  ${target.targetId} · ${event.lifecycleEventName}: ${d ? `${d.errorCode}${d.scriptName ? ` (${d.scriptName})` : ''} ${d.message}` : 'failed (no diagnostics)'}`);
      if (d?.logTail) lines.push(...d.logTail.trimEnd().split('\n').map((l) => `    | ${l}`));
    }
  }
  return lines;
}
