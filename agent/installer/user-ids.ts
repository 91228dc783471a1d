/**
 * Owner and group names → numeric ids, through the system's name service (`getent`, so LDAP
 * and the like work), falling back to /etc/passwd and /etc/group where getent is missing.
 * A number is taken as an id.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type IdLookup = (name: string) => Promise<number | undefined>;

export const lookupUid: IdLookup = (name) => lookup('passwd', '/etc/passwd', name);
export const lookupGid: IdLookup = (name) => lookup('group', '/etc/group', name);

async function lookup(database: 'passwd' | 'group', file: string, name: string): Promise<number | undefined> {
  if (/^\d+$/.test(name)) return Number(name);
  let line: string | undefined;
  try {
    const { stdout } = await run('getent', [database, name], { timeout: 10_000 });
    line = stdout.split('\n')[0];
  } catch (err) {
    // getent exits 2 for "not found"; anything else (not installed…) falls back to the file.
    if (err instanceof Error && 'code' in err && err.code === 2) return undefined;
    const text = await readFile(file, 'utf8').catch(() => '');
    line = text.split('\n').find((l) => l.split(':')[0] === name);
  }
  const id = line?.split(':')[2];
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}
