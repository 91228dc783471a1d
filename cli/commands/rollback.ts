/**
 * `cutover rollback <deploymentId> [--wait]`: roll the deployment's group back to the last
 * revision that succeeded on it, as a new deployment linked to this one (the server decides
 * which revision; an api without that route says so).
 */
import type { Command } from 'commander';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { reportDeployment } from './deploy.js';

export function registerRollback(program: Command): void {
  program
    .command('rollback <deploymentId>')
    .description('deploy the last revision that succeeded on the group again, replacing this deployment')
    .option('--wait', 'follow the rollback live; exit 0 only if it succeeds')
    .action(async (id: string, opts: { wait?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const answer = await client.feature<{ deploymentId?: string; rollbackDeploymentId?: string }>('Rolling back a deployment', 'POST', `/v1/deployments/${seg(id)}/rollback`, {});
      const rollbackId = answer.rollbackDeploymentId ?? answer.deploymentId;
      if (!rollbackId) return ctx.printer.json(answer);
      await reportDeployment(client, ctx.printer, rollbackId, opts.wait ?? false);
    });
}
