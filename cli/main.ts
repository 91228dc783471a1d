/**
 * `cutover`: the command-line client. One command per file under ./commands; this file only
 * wires them. Exit codes: 0 success, 1 failure (a deployment that did not succeed, an api
 * error), 2 bad usage or configuration.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT_USAGE } from './errors.js';
import { registerConfig } from './commands/config.js';
import { registerApply } from './commands/apply.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDeployments } from './commands/deployments.js';
import { registerLogs } from './commands/logs.js';
import { registerInstances } from './commands/instances.js';
import { registerStop } from './commands/stop.js';
import { registerRollback } from './commands/rollback.js';
import { registerRedeploy } from './commands/redeploy.js';
import { registerContinue } from './commands/continue.js';
import { registerLocal } from './commands/local.js';
import { registerWhoami } from './commands/whoami.js';
import { registerTokens } from './commands/tokens.js';
import { registerGrants } from './commands/grants.js';
import { registerAccounts } from './commands/accounts.js';

export const CLI_VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('cutover')
    .description('Deploy with Cutover: apply configuration, deploy bundles and watch them roll out, read logs, run a bundle locally, manage tokens, grants and accounts.')
    .version(CLI_VERSION)
    .option('--api <url>', 'the api URL (else CUTOVER_API, else the config file)')
    .option('--token <token>', 'the api token (else CUTOVER_TOKEN, else the config file)')
    .addOption(new Option('-o, --output <format>', 'output format of read commands').choices(['text', 'json']).default('text'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerConfig,
    registerApply,
    registerDeploy,
    registerDeployments,
    registerLogs,
    registerInstances,
    registerStop,
    registerRollback,
    registerRedeploy,
    registerContinue,
    registerLocal,
    registerWhoami,
    registerTokens,
    registerGrants,
    registerAccounts,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end "with an error" in commander's terms; they are a success.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

// Run when executed (tsx cli/main.ts, or the bin launcher), not when imported by a test.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv);
  process.exit(code);
}
