/**
 * `cutover apply -f cutover.yml [--dry-run]`: make the server's applications, deployment configs
 * and deployment groups what the file says. Idempotent: the plan is printed first (+ create,
 * ~ update with the fields that differ, = unchanged, ! cannot), then carried out; a second run
 * finds nothing to do. A deployment config that differs from the server's is a conflict
 * (CodeDeploy's configs are immutable) and then nothing at all is applied, so a file is applied
 * whole or not at all as far as it can be checked before writing.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Application, DeploymentGroup } from '../../shared/domain/types.js';
import type { DeploymentConfig } from '../../shared/domain/deployment-configs.js';
import { ApiError, seg, type CutoverClient } from '../client.js';
import { contextOf } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { cyan, dim, green, red, yellow, type Printer } from '../output.js';
import type { Current, Desired, PlanItem } from '../apply-plan.js';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update applications, deployment configs and deployment groups from a YAML file')
    .requiredOption('-f, --file <path>', 'the file (cutover.yml)')
    .option('--dry-run', 'print the plan only')
    .action(async (opts: { file: string; dryRun?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const text = await readFile(opts.file, 'utf8').catch((err: Error) => {
        throw new CliError(`Cannot read ${opts.file}: ${err.message}`, EXIT_USAGE);
      });
      const { parseApplyFile, plan } = await import('../apply-plan.js');
      const parsed = parseApplyFile(text);
      if (!parsed.ok) {
        const lines = parsed.problems.map((p) => `  ${opts.file}${p.line ? `:${p.line}` : ''}  ${p.path ? `${p.path}: ` : ''}${p.message}`);
        throw new CliError(`${opts.file} has ${parsed.problems.length} problem(s); nothing was changed:\n${lines.join('\n')}`, EXIT_USAGE);
      }
      const client = await ctx.client();
      const items = plan(parsed.desired, await readCurrent(client, parsed.desired));
      const json = ctx.printer.format === 'json';
      if (!json) printPlan(ctx.printer, items);
      const conflicts = items.filter((i) => i.action === 'conflict');
      if (conflicts.length > 0) throw new CliError(`${conflicts.length} item(s) cannot be applied as written; nothing was changed.`);
      const todo = items.filter((i) => i.action === 'create' || i.action === 'update');
      if (opts.dryRun || todo.length === 0) {
        if (json) ctx.printer.json({ applied: false, plan: items.map(withoutBody) });
        else ctx.printer.line(todo.length === 0 ? 'No changes: the server already matches the file.' : `Dry run: ${todo.length} change(s) not applied.`);
        return;
      }
      for (const [done, item] of todo.entries()) {
        await carryOut(client, item).catch((err: unknown) => {
          if (done === 0 || !(err instanceof CliError)) throw err;
          throw new CliError(`${err.message}\n(${done} of ${todo.length} change(s) were applied before it; fix the file and apply again.)`);
        });
      }
      if (json) ctx.printer.json({ applied: true, plan: items.map(withoutBody) });
      else {
        const count = (a: string) => items.filter((i) => i.action === a).length;
        ctx.printer.line(green(`Applied: ${count('create')} created, ${count('update')} updated, ${count('unchanged')} unchanged.`));
      }
    });
}

async function readCurrent(client: CutoverClient, desired: Desired): Promise<Current> {
  const [{ applications }, { deploymentConfigs }] = await Promise.all([
    client.get<{ applications: Application[] }>('/v1/applications'),
    client.get<{ deploymentConfigs: DeploymentConfig[] }>('/v1/deployment-configs'),
  ]);
  const current: Current = {
    applications: new Set(applications.map((a) => a.applicationName)),
    configs: new Map(deploymentConfigs.map((c) => [c.deploymentConfigName, c as unknown as Record<string, unknown>])),
    groups: new Map(),
  };
  for (const app of new Set(desired.groups.map((g) => g.application))) {
    if (!current.applications.has(app)) continue;
    const { deploymentGroups } = await client.get<{ deploymentGroups: DeploymentGroup[] }>(`/v1/applications/${seg(app)}/deployment-groups`);
    for (const g of deploymentGroups) current.groups.set(`${app}/${g.deploymentGroupName}`, g as unknown as Record<string, unknown>);
  }
  return current;
}

async function carryOut(client: CutoverClient, item: PlanItem): Promise<void> {
  try {
    if (item.kind === 'application') await client.post('/v1/applications', { name: item.name });
    else if (item.kind === 'deploymentConfig') await client.post('/v1/deployment-configs', item.body);
    else if (item.action === 'create') await client.post(`/v1/applications/${seg(item.application ?? '')}/deployment-groups`, item.body);
    else await client.feature('Updating a deployment group', 'PUT', `/v1/applications/${seg(item.application ?? '')}/deployment-groups/${seg(item.name)}`, item.body);
  } catch (err) {
    // Someone created it between our read and our write: that is the state we wanted.
    if (err instanceof ApiError && err.status === 409 && item.action === 'create' && item.kind === 'application') return;
    throw err instanceof CliError ? new CliError(`${label(item)}: ${err.message}`) : err;
  }
}

/** The body is the file's own text, secrets in clear: the plan shows changes, masked, instead. */
function withoutBody({ body: _body, ...item }: PlanItem): Omit<PlanItem, 'body'> {
  return item;
}

function label(item: PlanItem): string {
  const kind = { application: 'application', deploymentConfig: 'deployment config', deploymentGroup: 'deployment group' }[item.kind];
  return `${kind} ${item.application ? `${item.application}/` : ''}${item.name}`;
}

export function printPlan(printer: Printer, items: readonly PlanItem[]): void {
  for (const item of items) {
    const mark = { create: green('+'), update: yellow('~'), unchanged: dim('='), conflict: red('!') }[item.action];
    const fields = Object.keys(item.changes ?? {}).join(', ');
    const note = item.action === 'unchanged' ? dim(' (unchanged)') : item.reason ? red(` (${item.reason})`) : item.action === 'update' ? ` (${fields})` : '';
    printer.line(`${mark} ${label(item)}${note}`);
    for (const [field, [from, to]] of Object.entries(item.changes ?? {})) {
      printer.line(`    ${field}: ${cyan(short(from))} → ${cyan(short(to))}`);
    }
  }
}

function short(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
