/** `cutover config set --api URL --token T` and `cutover config show`. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { checkApiUrl, readSettings, settingsPath, writeSettings } from '../settings.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('the api URL and token the CLI uses (stored in your config dir, mode 0600)');

  config
    .command('set')
    .description('store the api URL and/or token')
    .option('--api <url>', 'the api URL, e.g. http://cutover.internal:3000')
    .option('--token <token>', 'an api token')
    .action(async (_opts: unknown, command: Command) => {
      // --api/--token are also the program's own options; whichever parsed them, they are here.
      const opts = command.optsWithGlobals<{ api?: string; token?: string }>();
      if (opts.api === undefined && opts.token === undefined) throw new CliError('Give --api and/or --token.', EXIT_USAGE);
      const file = settingsPath();
      const current = await readSettings(file);
      await writeSettings({ ...current, ...(opts.api !== undefined ? { api: checkApiUrl(opts.api) } : {}), ...(opts.token !== undefined ? { token: opts.token } : {}) }, file);
      process.stdout.write(`Saved to ${file} (readable by you only).\n`);
    });

  config
    .command('show')
    .description('print the stored settings (the token masked)')
    .action(async (_opts: unknown, command: Command) => {
      const { printer } = contextOf(command);
      const file = settingsPath();
      const settings = await readSettings(file);
      const masked = { file, api: settings.api ?? null, token: settings.token ? `${settings.token.slice(0, 4)}…(${settings.token.length} chars)` : null };
      if (printer.format === 'json') printer.json(masked);
      else for (const [k, v] of Object.entries(masked)) printer.line(`${k.padEnd(6)} ${v ?? '-'}`);
    });
}
