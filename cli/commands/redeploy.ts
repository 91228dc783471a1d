/**
 * `cutover redeploy <deploymentId> [--wait]`: a new deployment of the same revision to the same
 * group (CodeDeploy's "redeploy": CreateDeployment with an earlier revision).
 */
import type { Command } from 'commander';
import type { DeploymentInfo } from '../../shared/domain/types.js';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { reportDeployment } from './deploy.js';

export function registerRedeploy(program: Command): void {
  program
    .command('redeploy <deploymentId>')
    .description('deploy the revision of an earlier deployment again, to its group')
    .option('--group <name>', 'to another deployment group of the same application')
    .option('--wait', 'follow the deployment live; exit 0 only if it succeeds')
    .action(async (id: string, opts: { group?: string; wait?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const earlier = await client.get<DeploymentInfo>(`/v1/deployments/${seg(id)}`);
      const { deploymentId } = await client.post<{ deploymentId: string }>('/v1/deployments', {
        applicationName: earlier.applicationName,
        deploymentGroupName: opts.group ?? earlier.deploymentGroupName,
        revision: earlier.revision,
        description: `Redeploy of ${earlier.deploymentId}`.slice(0, 256),
        fileExistsBehavior: earlier.fileExistsBehavior,
        ignoreApplicationStopFailures: earlier.ignoreApplicationStopFailures,
      });
      await reportDeployment(client, ctx.printer, deploymentId, opts.wait ?? false);
    });
}
