/**
 * The host's allowance from the agent's command line and/or a host config file:
 *   --allowed-runas deploy,www-data   --allowed-destinations /srv/app,/opt/tools
 *   --host-config /etc/cutover/host.yml   (JSON or YAML: { allowedRunas: [...], allowedDestinations: [...] })
 * A flag replaces the file's value for that setting. Every problem is reported at start-up.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { HostAllowance } from './host-allowance.js';

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
const UserList = z.array(z.string().regex(USER_NAME, 'is not a valid user name')).min(1, 'must name at least one user');
const DirList = z
  .array(z.string().refine((d) => path.posix.isAbsolute(d) && !d.split('/').includes('..'), 'must be an absolute path without ".."'))
  .min(1, 'must name at least one directory');
const HostConfigFile = z.strictObject({ allowedRunas: UserList.optional(), allowedDestinations: DirList.optional() });

export class HostConfigError extends Error {}

export interface HostConfigInput {
  /** Comma-separated, from --allowed-runas. */
  allowedRunas?: string;
  /** Comma-separated, from --allowed-destinations. */
  allowedDestinations?: string;
  /** Path of a JSON or YAML host config file. */
  file?: string;
}

/** undefined when nothing restricts the host. */
export async function loadHostAllowance(input: HostConfigInput): Promise<HostAllowance | undefined> {
  const problems: string[] = [];
  let fromFile: z.infer<typeof HostConfigFile> = {};
  if (input.file) {
    let text: string;
    try {
      text = await readFile(input.file, 'utf8');
    } catch (err) {
      throw new HostConfigError(`--host-config: cannot read ${input.file}: ${(err as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = parseYaml(text, { maxAliasCount: 10 }); // JSON is YAML too
    } catch (err) {
      throw new HostConfigError(`--host-config: ${input.file} is not valid JSON or YAML: ${(err as Error).message}`);
    }
    const parsed = HostConfigFile.safeParse(raw ?? {});
    if (parsed.success) fromFile = parsed.data;
    else problems.push(...parsed.error.issues.map((i) => `${input.file}: ${i.path.join('.') || '(top)'} ${i.message}`));
  }
  const list = (flag: string, value: string | undefined, schema: typeof UserList | typeof DirList): string[] | undefined => {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value.split(',').map((s) => s.trim()).filter(Boolean));
    if (parsed.success) return parsed.data;
    problems.push(...parsed.error.issues.map((i) => `${flag}: ${i.path.length ? `"${String(value.split(',').map((s) => s.trim()).filter(Boolean)[Number(i.path[0])])}" ` : ''}${i.message}`));
    return undefined;
  };
  const runas = list('--allowed-runas', input.allowedRunas, UserList) ?? fromFile.allowedRunas;
  const destinations = list('--allowed-destinations', input.allowedDestinations, DirList) ?? fromFile.allowedDestinations;
  if (problems.length > 0) throw new HostConfigError(`Invalid host config:\n  ${problems.join('\n  ')}`);
  if (!runas && !destinations) return undefined;
  return {
    ...(runas ? { runas } : {}),
    ...(destinations ? { destinations: destinations.map((d) => path.posix.normalize(d)) } : {}),
  };
}
