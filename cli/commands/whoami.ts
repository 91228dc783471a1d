/** `cutover whoami`: the token the CLI is using, its account and role (any api token may ask). */
import type { Command } from 'commander';
import type { Principal } from '../../shared/domain/access.js';
import { contextOf } from '../context.js';

/** GET /v1/whoami: the principal, and whether it is the operator. */
type WhoAmI = Principal & { operator: boolean };

export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('the token in use: its id, account and role')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const me = await client.feature<WhoAmI>('whoami', 'GET', '/v1/whoami');
      if (ctx.printer.format === 'json') return ctx.printer.json(me);
      ctx.printer.line(`token     ${me.tokenId}`);
      ctx.printer.line(`account   ${me.accountId}`);
      ctx.printer.line(`role      ${me.role}`);
      ctx.printer.line(`operator  ${me.operator ? 'yes (may create accounts)' : 'no'}`);
    });
}
