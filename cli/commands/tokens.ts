/**
 * `cutover tokens create --name N --role R [--expires-in 30d]`, `cutover tokens list`,
 * `cutover tokens revoke <tokenId>`: the api tokens of the caller's account (an admin token's).
 * The api keeps only a token's hash, so `create` is the one time its secret can be printed.
 */
import { Command, Option } from 'commander';
import { seg } from '../client.js';
import { contextOf } from '../context.js';
import { expiryText, parseDuration } from '../durations.js';
import { ago, dim, green, red, table, yellow, type Printer } from '../output.js';
import { ROLES } from '../../shared/domain/access.js';
import type { TokenInfo, TokenRole } from '../../shared/store/tokens.js';

export const TOKEN_ROLES = [...ROLES, 'enroll'] as const satisfies readonly TokenRole[];

/** POST /v1/tokens and the admin token of POST /v1/accounts: the secret, shown once. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

export type TokenState = 'active' | 'expired' | 'revoked';

/** Revoked wins over expired: it says someone acted on it. */
export function tokenState(t: Pick<TokenInfo, 'expiresAt' | 'revokeTime'>, now: number): TokenState {
  if (t.revokeTime) return 'revoked';
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return 'expired';
  return 'active';
}

const paintState = (state: TokenState) => (state === 'active' ? green(state) : state === 'revoked' ? red(state) : yellow(state));

/** The secret with the one warning that matters; shared with `accounts create`. */
export function printNewToken(p: Printer, t: CreatedToken, now: number): void {
  p.line(`Created token ${t.tokenId} "${t.name}" (${t.role}) in account ${t.accountId}, expires ${t.expiresAt ? `${t.expiresAt} (${expiryText(t.expiresAt, now)})` : 'never'}.`);
  p.line();
  p.line(`  ${t.token}`);
  p.line();
  p.line(yellow('Store it now: this is the only time it is shown (the server keeps only its hash).'));
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description("api and enrollment tokens of your account (needs an admin token)");

  tokens
    .command('create')
    .description('create a token and print its secret, once')
    .requiredOption('--name <name>', 'what it is for, e.g. "ci deploys"')
    .addOption(new Option('--role <role>', 'viewer: read; deployer: also deploy, stop, roll back; admin: everything; enroll: agents registering hosts').choices(TOKEN_ROLES).makeOptionMandatory())
    .option('--expires-in <duration>', 'a lifetime: 30d, 12h, 90m, 3600s (default: never expires)')
    .action(async (opts: { name: string; role: TokenRole; expiresIn?: string }, command: Command) => {
      const ctx = contextOf(command);
      const expiresInSeconds = opts.expiresIn === undefined ? undefined : parseDuration(opts.expiresIn);
      const client = await ctx.client();
      const created = await client.feature<CreatedToken>('Tokens', 'POST', '/v1/tokens', { name: opts.name, role: opts.role, ...(expiresInSeconds ? { expiresInSeconds } : {}) });
      if (ctx.printer.format === 'json') return ctx.printer.json(created);
      printNewToken(ctx.printer, created, Date.now());
    });

  tokens
    .command('list')
    .description("the account's tokens, revoked and expired ones included (never their secrets)")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const { tokens: all } = await client.feature<{ tokens: TokenInfo[] }>('Tokens', 'GET', '/v1/tokens');
      if (ctx.printer.format === 'json') return ctx.printer.json({ tokens: all });
      if (all.length === 0) return ctx.printer.line('No tokens. Create one: cutover tokens create --name NAME --role viewer|deployer|admin');
      const now = Date.now();
      const rows = all.map((t) => {
        const state = tokenState(t, now);
        return [t.tokenId, t.name, t.role, ago(t.createTime, now), expiryText(t.expiresAt, now), state === 'revoked' ? `${paintState(state)} ${dim(ago(t.revokeTime, now))}` : paintState(state)];
      });
      for (const line of table(['TOKEN', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'STATE'], rows)) ctx.printer.line(line);
    });

  tokens
    .command('revoke <tokenId>')
    .description('revoke a token: it stops working at once')
    .action(async (tokenId: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const client = await ctx.client();
      const revoked = await client.feature<TokenInfo>('Tokens', 'DELETE', `/v1/tokens/${seg(tokenId)}`);
      if (ctx.printer.format === 'json') return ctx.printer.json(revoked);
      ctx.printer.line(`Revoked token ${revoked.tokenId} "${revoked.name}" (${revoked.role})${revoked.revokeTime ? ` at ${revoked.revokeTime}` : ''}.`);
    });
}
