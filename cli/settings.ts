/**
 * Where the CLI finds the api and its token: `--api`/`--token` flags, else the CUTOVER_API and
 * CUTOVER_TOKEN variables, else the file `cutover config set` wrote in the user's config dir
 * ($XDG_CONFIG_HOME/cutover/config.json, else ~/.config/cutover/config.json; CUTOVER_CONFIG
 * names another file). The file holds a secret, so it is written with mode 0600 in a 0700 dir.
 * This is the one place the CLI reads the environment.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { CliError, EXIT_USAGE } from './errors.js';

const SettingsFile = z.object({ api: z.string().optional(), token: z.string().optional() });
export type SettingsFile = z.infer<typeof SettingsFile>;

export interface Connection {
  api: string;
  token: string;
}

export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CUTOVER_CONFIG) return path.resolve(env.CUTOVER_CONFIG);
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'cutover', 'config.json');
}

export async function readSettings(file = settingsPath()): Promise<SettingsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`, EXIT_USAGE);
  }
  try {
    return SettingsFile.parse(JSON.parse(text));
  } catch {
    throw new CliError(`${file} is not a Cutover CLI config file (run: cutover config set --api URL --token TOKEN)`, EXIT_USAGE);
  }
}

export async function writeSettings(settings: SettingsFile, file = settingsPath()): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600); // an existing umask or file cannot widen it
  await rename(temp, file);
}

export function checkApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`"${value}" is not a URL (expected something like http://cutover.internal:3000)`, EXIT_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`the api URL must be http:// or https://, got ${value}`, EXIT_USAGE);
  return value.replace(/\/+$/, '');
}

/** Flags win over the environment, which wins over the config file. */
export async function resolveConnection(flags: { api?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const file = await readSettings(settingsPath(env));
  const api = flags.api ?? env.CUTOVER_API ?? file.api;
  const token = flags.token ?? env.CUTOVER_TOKEN ?? file.token;
  if (!api) throw new CliError('No api URL: pass --api URL, set CUTOVER_API, or run `cutover config set --api URL --token TOKEN`.', EXIT_USAGE);
  if (!token) throw new CliError('No token: pass --token T, set CUTOVER_TOKEN, or run `cutover config set --token TOKEN`.', EXIT_USAGE);
  return { api: checkApiUrl(api), token };
}

/** Whether stdout is a terminal that can redraw lines in place. */
export function isInteractive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdout.isTTY) && env.TERM !== 'dumb';
}

export function useColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return isInteractive(env) && !env.NO_COLOR;
}
