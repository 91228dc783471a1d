/**
 * Packing a directory into a revision bundle (tar.gz), leaving out what `.cutoverignore` names
 * (gitignore syntax: `#` comments, `!` to re-include, a trailing `/` for directories, `/` to
 * anchor at the bundle root, `*`, `**`, `?`). `.git/` is always left out. The appspec is checked
 * first, so a broken one is reported here, with its lines, before anything is uploaded.
 */
import { lstat, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import * as tar from 'tar';
import { findAppSpecFile } from '../shared/appspec/index.js';
import { CliError } from './errors.js';

export const IGNORE_FILE = '.cutoverignore';
const ALWAYS_IGNORED = ['.git/'];

export async function loadIgnore(dir: string): Promise<Ignore> {
  const rules = ignore().add(ALWAYS_IGNORED);
  try {
    rules.add(await readFile(path.join(dir, IGNORE_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return rules;
}

/** The bundle's files, relative and sorted (directories end with "/"), after .cutoverignore. */
export async function bundleFiles(dir: string): Promise<string[]> {
  const rules = await loadIgnore(dir);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      if (rules.ignores(isDir ? `${child}/` : child)) continue;
      if (isDir) {
        out.push(`${child}/`);
        await walk(child);
      } else {
        out.push(child);
      }
    }
  };
  await walk('');
  return out;
}

/** A tar.gz of the directory, as a buffer; refuses a directory without an appspec at its root. */
export async function packDirectory(dir: string): Promise<{ bundle: Buffer; files: number }> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`${dir} is not a directory.`);
  const files = await bundleFiles(dir);
  if (!findAppSpecFile(files)) throw new CliError(`${dir} has no appspec.yml at its root (or it is in ${IGNORE_FILE}).`);
  // Directories are listed for their modes; `noDirRecurse` so only what the rules let through goes in.
  const stream = tar.c({ gzip: true, cwd: dir, portable: true, noDirRecurse: true }, files.map((f) => f.replace(/\/$/, '')));
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return { bundle: Buffer.concat(chunks), files: files.filter((f) => !f.endsWith('/')).length };
}
