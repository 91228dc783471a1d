/**
 * `cutover logs <deploymentId> [--instance NAME] [--event E] [--follow]`: the script output of a
 * deployment's instances, per lifecycle event. With --follow it streams the output as the agents
 * send it (while hooks run) and returns when the deployment has finished.
 */
import { Option, type Command } from 'commander';
import { LIFECYCLE_EVENTS } from '../../shared/domain/lifecycle.js';
import type { InstanceTarget } from '../../shared/domain/types.js';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { bold, dim } from '../output.js';

interface LogsOptions {
  instance?: string;
  event?: string;
  follow?: boolean;
}

interface LogMessage {
  instanceId: string;
  lifecycleEventName: string;
  text: string;
}

export function registerLogs(program: Command): void {
  program
    .command('logs <deploymentId>')
    .description('script output of a deployment, per instance and lifecycle event')
    .option('--instance <name>', 'only this instance')
    .addOption(new Option('--event <name>', 'only this lifecycle event').choices(LIFECYCLE_EVENTS))
    .option('-f, --follow', 'stream the output as it is written, until the deployment ends')
    .action(async (id: string, opts: LogsOptions, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const json = ctx.printer.format === 'json';
      if (opts.follow) {
        const query = new URLSearchParams({ ...(opts.instance ? { instance: opts.instance } : {}), ...(opts.event ? { event: opts.event } : {}) });
        const prefixes = !opts.instance;
        const pending = new Map<string, string>();
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        await client.follow(
          `/v1/deployments/${seg(id)}/logs${query.size ? `?${query}` : ''}`,
          (message) => {
            if (message.event === 'end') {
              const end = JSON.parse(message.data) as { status: string };
              if (json) process.stdout.write(`${JSON.stringify({ end })}\n`);
              else process.stderr.write(dim(`-- ${id} ${end.status}\n`));
              return true;
            }
            if (message.event !== 'log') return false;
            const log = JSON.parse(message.data) as LogMessage;
            if (json) process.stdout.write(`${JSON.stringify(log)}\n`);
            else writeLines(log, prefixes, pending);
            return false;
          },
          controller.signal,
        );
        return;
      }
      const targets = opts.instance
        ? [{ targetId: opts.instance }]
        : (await client.get<{ targets: InstanceTarget[] }>(`/v1/deployments/${seg(id)}/targets`)).targets;
      const query = opts.event ? `?event=${seg(opts.event)}` : '';
      const logs = await Promise.all(targets.map(async (t) => ({ instanceId: t.targetId, text: await client.text(`/v1/deployments/${seg(id)}/targets/${seg(t.targetId)}/logs${query}`) })));
      if (json) return ctx.printer.json({ deploymentId: id, ...(opts.event ? { lifecycleEventName: opts.event } : {}), logs });
      for (const log of logs) {
        if (logs.length > 1 || !opts.instance) ctx.printer.line(bold(`==> ${log.instanceId} <==`));
        process.stdout.write(log.text.endsWith('\n') || log.text === '' ? log.text : `${log.text}\n`);
      }
    });
}

/** Whole lines only, each prefixed with its instance when several are mixed. */
function writeLines(log: LogMessage, prefixes: boolean, pending: Map<string, string>): void {
  if (!prefixes) {
    process.stdout.write(log.text);
    return;
  }
  const key = `${log.instanceId} ${log.lifecycleEventName}`;
  const text = (pending.get(key) ?? '') + log.text;
  const cut = text.lastIndexOf('\n') + 1;
  pending.set(key, text.slice(cut));
  for (const line of text.slice(0, cut).split('\n').slice(0, -1)) process.stdout.write(`${dim(`${log.instanceId} |`)} ${line}\n`);
}
