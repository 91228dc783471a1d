/**
 * Filesystem steps for writing under a root without ever following a link we did not expect.
 * Used by the zip writer (node-tar has its own equivalents) and the post-extraction check.
 */
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './bundle-error.js';

/**
 * Creates root/parts… one level at a time; an existing component must be a real directory.
 * `made` remembers the directories this extraction has created or checked, so each costs its
 * syscalls once rather than once per entry below it.
 */
export async function mkdirInside(
  root: string,
  parts: readonly string[],
  entryName: string,
  mode?: number,
  made?: Set<string>,
): Promise<void> {
  if (made?.has(path.join(root, ...parts))) return;
  let at = root;
  for (const part of parts) {
    at = path.join(at, part);
    if (made?.has(at)) continue;
    made?.add(at);
    try {
      await mkdir(at, mode === undefined ? undefined : { mode });
      continue;
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err;
    }
    const info = await lstat(at);
    if (!info.isDirectory()) {
      throw new BundleError(
        'BUNDLE_UNSAFE_PATH',
        `Bundle entry "${entryName}" would be written through "${path.relative(root, at)}", which is not a directory.`,
        entryName,
      );
    }
  }
}

/** Empties a directory (links are removed, never followed). */
export async function emptyDirectory(dir: string): Promise<void> {
  const names = await readdir(dir).catch((err: unknown) => {
    if (hasCode(err, 'ENOENT')) return [] as string[];
    throw err;
  });
  await Promise.all(names.map((name) => rm(path.join(dir, name), { recursive: true, force: true })));
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
