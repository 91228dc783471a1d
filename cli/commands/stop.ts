/** `cutover stop <deploymentId> [--rollback] [--wait]`: CodeDeploy's StopDeployment. */
import type { Command } from 'commander';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { outcomeExitCode, printOutcome, watchDeployment } from '../watch.js';

export function registerStop(program: Command): void {
  program
    .command('stop <deploymentId>')
    .description('stop a deployment: pending instances are skipped, running hooks are killed')
    .option('--rollback', 'then roll back to the last revision that succeeded on the group')
    .option('--wait', 'wait until it has stopped')
    .action(async (id: string, opts: { rollback?: boolean; wait?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const answer = await client.feature<{ status?: string; statusMessage?: string }>(
        'Stopping a deployment',
        'POST',
        `/v1/deployments/${seg(id)}/stop`,
        opts.rollback ? { autoRollbackEnabled: true } : {},
      );
      if (ctx.printer.format === 'json' && !opts.wait) return ctx.printer.json(answer);
      if (ctx.printer.format !== 'json') ctx.printer.line(`Stop ${answer.status ?? 'requested'}${answer.statusMessage ? `: ${answer.statusMessage}` : ''}`);
      if (!opts.wait) return;
      const outcome = await watchDeployment(client, id, ctx.printer, ctx.printer.format === 'json');
      if (ctx.printer.format === 'json') ctx.printer.json(outcome);
      else printOutcome(ctx.printer, outcome);
      // Stopping was the point: a deployment that ended Stopped is what was asked for.
      process.exitCode = outcome.deployment.status === 'Stopped' ? 0 : outcomeExitCode(outcome);
    });
}
