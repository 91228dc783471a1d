/**
 * `--wait`: follow a deployment's event stream (SSE, resumed across dropped connections) until it
 * ends, showing progress; then print the outcome. Ctrl-C stops watching, not the deployment.
 */
import type { DeploymentEvent } from '../shared/domain/events.js';
import type { DeploymentInfo, InstanceTarget } from '../shared/domain/types.js';
import { seg, type CutoverClient } from './client.js';
import { CliError } from './errors.js';
import { bold, duration, green, red, type Printer } from './output.js';
import { DeploymentProgress, InPlaceRenderer, renderProgress, type Change } from './progress.js';
import { isInteractive } from './settings.js';

export interface Outcome {
  deployment: DeploymentInfo;
  targets: InstanceTarget[];
}

const TICK_MS = 1000;

export async function watchDeployment(client: CutoverClient, deploymentId: string, printer: Printer, quiet = false): Promise<Outcome> {
  const progress = new DeploymentProgress(deploymentId);
  const startedAt = Date.now();
  const interactive = !quiet && isInteractive();
  const renderer = new InPlaceRenderer((text) => process.stdout.write(text));
  const rows = () => Math.max(5, (process.stdout.rows ?? 24) - 2);
  const stamp = () => `[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s]`;
  const show = (changes: Change[]) => {
    if (quiet) return;
    if (interactive) renderer.draw(renderProgress(progress, startedAt, rows()));
    else for (const change of changes) printer.line(`${stamp()} ${change.line}`);
  };
  const snapshot = async () => {
    const [deployment, { targets }] = await Promise.all([
      client.get<DeploymentInfo>(`/v1/deployments/${seg(deploymentId)}`),
      client.get<{ targets: InstanceTarget[] }>(`/v1/deployments/${seg(deploymentId)}/targets`),
    ]);
    show(progress.applySnapshot(deployment, targets));
    return { deployment, targets };
  };

  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const ticker = interactive ? setInterval(() => show([]), TICK_MS) : undefined;
  try {
    if (!quiet && !interactive) printer.line(`Watching ${deploymentId} (events as they happen)`);
    const first = snapshot();
    await client.follow(
      `/v1/deployments/${seg(deploymentId)}/events`,
      (message) => {
        let event: DeploymentEvent;
        try {
          event = JSON.parse(message.data) as DeploymentEvent;
        } catch {
          return false;
        }
        show(progress.applyEvent(event));
        // The instances are known once it starts: fetch them all (the Pending ones have no event yet).
        if (event.type === 'DeploymentStatus' && event.status === 'InProgress') void snapshot().catch(() => undefined);
        return progress.finished;
      },
      controller.signal,
    );
    await first.catch(() => undefined);
  } finally {
    process.off('SIGINT', onSigint);
    if (ticker) clearInterval(ticker);
  }
  if (interrupted) throw new CliError(`Stopped watching; ${deploymentId} goes on. See it with: cutover deployments get ${deploymentId}`, 130);
  const outcome = await snapshot();
  return outcome;
}

/** The last word on a deployment: a one-line verdict and, when it failed, why, host by host. */
export function printOutcome(printer: Printer, outcome: Outcome): void {
  const { deployment, targets } = outcome;
  const o = deployment.deploymentOverview;
  const took = deployment.completeTime && deployment.createTime ? ` in ${duration(Date.parse(deployment.completeTime) - Date.parse(deployment.createTime))}` : '';
  if (deployment.status === 'Succeeded') {
    printer.line(green(`Deployment ${deployment.deploymentId} Succeeded${took}: ${o.Succeeded} of ${targets.length} instance(s).`));
    return;
  }
  printer.line(red(bold(`Deployment ${deployment.deploymentId} ${deployment.status}${took}.`)));
  if (deployment.errorInformation) printer.line(`  ${deployment.errorInformation.code}: ${deployment.errorInformation.message}`);
  for (const target of targets.filter((t) => t.status === 'Failed' || t.status === 'Unknown')) {
    for (const event of target.lifecycleEvents.filter((e) => e.status === 'Failed')) {
      const d = event.diagnostics;
      printer.line(`  ${target.targetId} · ${event.lifecycleEventName}: ${d ? `${d.errorCode}${d.scriptName ? ` (${d.scriptName})` : ''} ${d.message}` : 'failed'}`);
      if (d?.logTail) for (const line of d.logTail.trimEnd().split('\n').slice(-15)) printer.line(`    | ${line}`);
    }
  }
  printer.line(`  Full logs: cutover logs ${deployment.deploymentId}${targets.some((t) => t.status === 'Failed') ? ` --instance ${targets.find((t) => t.status === 'Failed')?.targetId}` : ''}`);
}

/** Exit code of a watched deployment: 0 only when it Succeeded. */
export function outcomeExitCode(outcome: Outcome): number {
  return outcome.deployment.status === 'Succeeded' ? 0 : 1;
}
