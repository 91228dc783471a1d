/**
 * The last check after extraction, independent of the archive model: walk what is actually on
 * disk and prove every entry is a file, directory or a link that resolves inside the root.
 * If the entry checks ever miss a case, this is what stops it.
 */
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './bundle-error.js';
import { hasCode, isInside } from './safe-fs.js';

const MAX_LINK_HOPS = 40;

export async function verifyTree(root: string): Promise<void> {
  const realRoot = await realpath(root);
  const pending = [realRoot];
  while (pending.length > 0) {
    const dir = pending.pop() ?? realRoot;
    for (const item of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      const name = path.relative(realRoot, full);
      if (item.isDirectory()) pending.push(full);
      else if (item.isSymbolicLink()) {
        const target = await readlink(full);
        if (path.isAbsolute(target) || !(await staysInside(realRoot, dir, target))) {
          throw new BundleError('BUNDLE_UNSAFE_PATH', `Symbolic link "${name}" -> "${target}" resolves outside the bundle directory.`, name);
        }
      } else if (!item.isFile()) {
        throw new BundleError('BUNDLE_UNSUPPORTED_ENTRY', `"${name}" is not a file, directory or link.`, name);
      }
    }
  }
}

/**
 * Resolves `target` from `dir` one component at a time, following links on disk, so a dangling
 * link is judged too (realpath alone fails on it, and a lexical resolve gets "link/.." wrong).
 */
async function staysInside(root: string, dir: string, target: string): Promise<boolean> {
  let at = dir;
  const pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift();
    if (part === undefined || part === '' || part === '.') continue;
    if (part === '..') {
      if (at === root) return false;
      at = path.dirname(at);
      continue;
    }
    const next = path.join(at, part);
    let isLink = false;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch (err) {
      if (!hasCode(err, 'ENOENT') && !hasCode(err, 'ENOTDIR')) throw err;
    }
    if (!isLink) {
      at = next;
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return false;
    const link = await readlink(next);
    if (path.isAbsolute(link)) return false;
    pending.unshift(...link.split('/'));
  }
  return isInside(root, at);
}
