/** `cutover deployments list [--app A] [--group G] [--status S]` and `cutover deployments get <id>`. */
import type { Command } from 'commander';
import type { DeploymentInfo, InstanceTarget } from '../../shared/domain/types.js';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { ago, dim, paintStatus, table } from '../output.js';
import { printOutcome } from '../watch.js';

export function registerDeployments(program: Command): void {
  const deployments = program.command('deployments').description('list deployments, or show one with its instances');

  deployments
    .command('list')
    .description('newest first')
    .option('--app <name>', 'only this application')
    .option('--group <name>', 'only this deployment group (needs --app)')
    .option('--status <list>', 'only these statuses, comma-separated (e.g. InProgress,Failed)')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (opts: { app?: string; group?: string; status?: string; limit: string }, command: Command) => {
      const ctx = contextOf(command);
      if (opts.group && !opts.app) throw new CliError('--group needs --app.', EXIT_USAGE);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number.', EXIT_USAGE);
      const query = new URLSearchParams({
        ...(opts.app ? { applicationName: opts.app } : {}),
        ...(opts.group ? { deploymentGroupName: opts.group } : {}),
        ...(opts.status ? { status: opts.status } : {}),
      });
      const client = await ctx.client();
      const { deployments: all } = await client.get<{ deployments: DeploymentInfo[] }>(`/v1/deployments${query.size ? `?${query}` : ''}`);
      const shown = all.slice(0, limit);
      if (ctx.printer.format === 'json') return ctx.printer.json({ deployments: shown });
      if (shown.length === 0) return ctx.printer.line('No deployments.');
      const rows = shown.map((d) => [
        d.deploymentId,
        paintStatus(d.status),
        `${d.applicationName}/${d.deploymentGroupName}`,
        ago(d.createTime),
        overview(d),
        d.description ?? '',
      ]);
      for (const line of table(['DEPLOYMENT', 'STATUS', 'APP/GROUP', 'CREATED', 'INSTANCES', 'DESCRIPTION'], rows)) ctx.printer.line(line);
      if (all.length > shown.length) ctx.printer.line(dim(`(${all.length - shown.length} more; --limit to see them)`));
    });

  deployments
    .command('get <deploymentId>')
    .description('a deployment with its instances and their lifecycle events')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const [deployment, { targets }] = await Promise.all([
        client.get<DeploymentInfo>(`/v1/deployments/${seg(id)}`),
        client.get<{ targets: InstanceTarget[] }>(`/v1/deployments/${seg(id)}/targets`),
      ]);
      if (ctx.printer.format === 'json') return ctx.printer.json({ deployment, targets });
      const p = ctx.printer;
      p.line(`${deployment.deploymentId}  ${paintStatus(deployment.status)}`);
      p.line(`  application  ${deployment.applicationName}`);
      p.line(`  group        ${deployment.deploymentGroupName} (${deployment.deploymentConfigName})`);
      p.line(`  revision     ${deployment.revision.digest}`);
      if (deployment.description) p.line(`  description  ${deployment.description}`);
      p.line(`  created      ${deployment.createTime}${deployment.completeTime ? `, completed ${deployment.completeTime}` : ''}`);
      p.line(`  instances    ${overview(deployment)}`);
      if (deployment.errorInformation) p.line(`  error        ${deployment.errorInformation.code}: ${deployment.errorInformation.message}`);
      if (targets.length > 0) {
        p.line();
        const rows = targets.map((t) => [t.targetId, paintStatus(t.status), where(t)]);
        for (const line of table(['INSTANCE', 'STATUS', 'EVENT'], rows)) p.line(line);
      }
      if (deployment.status === 'Failed' || deployment.status === 'Stopped') {
        p.line();
        printOutcome(p, { deployment, targets });
      }
    });
}

function overview(d: DeploymentInfo): string {
  const o = d.deploymentOverview;
  return [`${o.Succeeded} ok`, o.InProgress ? `${o.InProgress} running` : '', o.Pending ? `${o.Pending} pending` : '', o.Failed ? `${o.Failed} failed` : '', o.Skipped ? `${o.Skipped} skipped` : '']
    .filter(Boolean)
    .join(', ');
}

/** The event an instance is at (running, or where it failed). */
function where(t: InstanceTarget): string {
  const running = t.lifecycleEvents.find((e) => e.status === 'InProgress');
  if (running) return running.lifecycleEventName;
  const failed = t.lifecycleEvents.find((e) => e.status === 'Failed');
  if (failed) return `${failed.lifecycleEventName}: ${failed.diagnostics?.errorCode ?? 'Failed'} ${failed.diagnostics?.message ?? ''}`.trim();
  return '';
}
