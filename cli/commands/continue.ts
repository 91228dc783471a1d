/** `cutover continue <deploymentId>`: CodeDeploy's ContinueDeployment (a blue/green deployment waiting Ready goes on). */
import type { Command } from 'commander';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { outcomeExitCode, printOutcome, watchDeployment } from '../watch.js';

export function registerContinue(program: Command): void {
  program
    .command('continue <deploymentId>')
    .description('let a blue/green deployment waiting for you go on: start moving traffic (Ready), or terminate the original pool now')
    .option('--termination-wait', 'skip the rest of the wait before the original pool is terminated (TERMINATION_WAIT), instead of READY_WAIT')
    .option('--wait', 'follow it live; exit 0 only if it succeeds')
    .action(async (id: string, opts: { wait?: boolean; terminationWait?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const deploymentWaitType = opts.terminationWait ? 'TERMINATION_WAIT' : 'READY_WAIT';
      const answer = await client.feature<unknown>('Continuing a deployment', 'POST', `/v1/deployments/${seg(id)}/continue`, { deploymentWaitType });
      if (!opts.wait) {
        if (ctx.printer.format === 'json') ctx.printer.json(answer ?? { deploymentId: id });
        else ctx.printer.line(`${id} continues.`);
        return;
      }
      const outcome = await watchDeployment(client, id, ctx.printer, ctx.printer.format === 'json');
      if (ctx.printer.format === 'json') ctx.printer.json(outcome);
      else printOutcome(ctx.printer, outcome);
      process.exitCode = outcomeExitCode(outcome);
    });
}
