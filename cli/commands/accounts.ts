/**
 * `cutover accounts create <accountId>` and `cutover accounts list`: for the operator (an admin
 * token of the `default` account). A new account comes with one admin token, printed once.
 */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { ago, table } from '../output.js';
import { printNewToken, type CreatedToken } from './tokens.js';
import type { Account } from '../../shared/store/accounts.js';

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('accounts on this server (operator only: an admin token of the default account)');

  accounts
    .command('create <accountId>')
    .description("create an account and print its first admin token, once")
    .action(async (accountId: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const created = await client.feature<{ account: Account; adminToken: CreatedToken }>('Accounts', 'POST', '/v1/accounts', { accountId });
      if (ctx.printer.format === 'json') return ctx.printer.json(created);
      ctx.printer.line(`Created account ${created.account.accountId}.`);
      printNewToken(ctx.printer, created.adminToken, Date.now());
      ctx.printer.line(`Hand it to the account's admin, who can use it with: cutover config set --token <token>`);
    });

  accounts
    .command('list')
    .description('every account')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const { accounts: all } = await client.feature<{ accounts: Account[] }>('Accounts', 'GET', '/v1/accounts');
      if (ctx.printer.format === 'json') return ctx.printer.json({ accounts: all });
      const now = Date.now();
      for (const line of table(['ACCOUNT', 'CREATED'], all.map((a) => [a.accountId, ago(a.createTime, now)]))) ctx.printer.line(line);
    });
}
