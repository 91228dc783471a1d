/**
 * `cutover grants create --app A --group G --to ACCOUNT [--role deployer|viewer] [--expires-in 30d]`,
 * `cutover grants list`, `cutover grants delete <grantId>`: letting another account deploy to (or
 * read) one of your deployment groups. Admin tokens only; a grant never hands over admin.
 */
import { Command, Option } from 'commander';
import { GRANT_ROLES, grantIsLive, type Grant, type GrantRole } from '../../shared/domain/access.js';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { expiryText, parseDuration } from '../durations.js';
import { ago, green, table, yellow, type Printer } from '../output.js';

const where = (g: Grant) => `${g.applicationName}/${g.deploymentGroupName}`;

function grantTable(p: Printer, who: 'TO' | 'FROM', grants: readonly Grant[], now: number): void {
  const rows = grants.map((g) => {
    const live = grantIsLive(g, new Date(now));
    return [g.grantId, who === 'TO' ? g.granteeAccountId : g.grantorAccountId, where(g), g.role, ago(g.createTime, now), expiryText(g.expiresAt, now), live ? green('active') : yellow('expired')];
  });
  for (const line of table(['GRANT', who, 'APP/GROUP', 'ROLE', 'CREATED', 'EXPIRES', 'STATE'], rows)) p.line(line);
}

export function registerGrants(program: Command): void {
  const grants = program.command('grants').description('let other accounts deploy to or read your deployment groups (needs an admin token)');

  grants
    .command('create')
    .description('grant another account a role on one deployment group')
    .requiredOption('--app <name>', 'the application')
    .requiredOption('--group <name>', 'the deployment group')
    .requiredOption('--to <accountId>', 'the account that receives the grant')
    .addOption(new Option('--role <role>', 'deployer: deploy, stop, roll back, read; viewer: read').choices(GRANT_ROLES).default('deployer'))
    .option('--expires-in <duration>', 'a lifetime: 30d, 12h, 90m, 3600s (default: until deleted)')
    .action(async (opts: { app: string; group: string; to: string; role: GrantRole; expiresIn?: string }, command: Command) => {
      const ctx = contextOf(command);
      const expiresInSeconds = opts.expiresIn === undefined ? undefined : parseDuration(opts.expiresIn);
      const client = await ctx.client();
      const grant = await client.feature<Grant>('Grants', 'POST', '/v1/grants', {
        applicationName: opts.app,
        deploymentGroupName: opts.group,
        granteeAccountId: opts.to,
        role: opts.role,
        ...(expiresInSeconds ? { expiresInSeconds } : {}),
      });
      if (ctx.printer.format === 'json') return ctx.printer.json(grant);
      const until = grant.expiresAt ? `until ${grant.expiresAt} (${expiryText(grant.expiresAt, Date.now())})` : 'until deleted';
      ctx.printer.line(`Granted ${grant.granteeAccountId} ${grant.role} on ${where(grant)} ${until}: ${grant.grantId}`);
    });

  grants
    .command('list')
    .description('the grants your account gave and the ones it received')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const answer = await client.feature<{ given: Grant[]; received: Grant[] }>('Grants', 'GET', '/v1/grants');
      if (ctx.printer.format === 'json') return ctx.printer.json(answer);
      const now = Date.now();
      const p = ctx.printer;
      p.line('Given:');
      if (answer.given.length === 0) p.line('  none');
      else grantTable(p, 'TO', answer.given, now);
      p.line();
      p.line('Received:');
      if (answer.received.length === 0) p.line('  none');
      else grantTable(p, 'FROM', answer.received, now);
    });

  grants
    .command('delete <grantId>')
    .description('delete a grant your account gave: it stops working at once')
    .action(async (grantId: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const grant = await client.feature<Grant>('Grants', 'DELETE', `/v1/grants/${seg(grantId)}`);
      if (ctx.printer.format === 'json') return ctx.printer.json(grant);
      ctx.printer.line(`Deleted grant ${grant.grantId}: ${grant.granteeAccountId} no longer has ${grant.role} on ${where(grant)}.`);
    });
}
