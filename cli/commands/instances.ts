/** `cutover instances`: the registered hosts, their tags and when their agent last polled. */
import type { Command } from 'commander';
import type { InstanceInfo } from '../../shared/domain/types.js';
import { contextOf } from '../context.js';
import { ago, dim, table } from '../output.js';

export function registerInstances(program: Command): void {
  program
    .command('instances')
    .description('registered instances (hosts running the agent)')
    .option('--all', 'include deregistered instances')
    .action(async (opts: { all?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const { instances } = await client.get<{ instances: InstanceInfo[] }>('/v1/instances');
      const shown = instances.filter((i) => opts.all || i.registrationStatus === 'Registered');
      if (ctx.printer.format === 'json') return ctx.printer.json({ instances: shown });
      if (shown.length === 0) return ctx.printer.line('No instances registered. Start an agent: npm run agent -- --api URL --enroll-token T --name NAME --tags k=v');
      const rows = shown.map((i) => [
        i.instanceName,
        i.registrationStatus === 'Registered' ? i.registrationStatus : dim(i.registrationStatus),
        Object.entries(i.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
        ago(i.lastSeenAt),
        i.agentVersion ?? '-',
      ]);
      for (const line of table(['INSTANCE', 'STATUS', 'TAGS', 'LAST SEEN', 'AGENT'], rows)) ctx.printer.line(line);
    });
}
