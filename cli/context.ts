/** What every command gets: how to print, and a client built from flags, environment and config file. */
import type { Command } from 'commander';
import { CutoverClient } from './client.js';
import { createPrinter, type OutputFormat, type Printer } from './output.js';
import { resolveConnection } from './settings.js';

export interface GlobalOptions {
  api?: string;
  token?: string;
  output: OutputFormat;
}

export interface CliContext {
  printer: Printer;
  client: () => Promise<CutoverClient>;
  globals: GlobalOptions;
}

export function contextOf(command: Command): CliContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return {
    globals,
    printer: createPrinter(globals.output ?? 'text'),
    client: async () => new CutoverClient(await resolveConnection(globals)),
  };
}
