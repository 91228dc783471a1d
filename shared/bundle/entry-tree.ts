/**
 * Whole-archive checks, run on the complete entry list before anything is written. They model
 * the tree the archive would produce, so link chains are judged as the filesystem would
 * resolve them (the class of bug behind node-tar's 2026 link CVEs):
 *
 * - no entry is written through a symbolic link (node-tar and the zip writer refuse it too);
 * - a symlink is relative and resolves inside the root, following the archive's other links;
 * - a hardlink names a regular file that appears earlier in the archive;
 * - a path appears once (directories excepted), so a later entry cannot swap a checked one.
 */
import { BundleError } from './bundle-error.js';
import { entryParts, isAbsoluteName, partsKey, type BundleEntry } from './entry.js';

/** Linux's own limit on links followed while resolving one path. */
const MAX_LINK_HOPS = 40;

export function checkEntryTree(entries: readonly BundleEntry[], rootPrefix: string): void {
  const byPath = new Map<string, { entry: BundleEntry; index: number }>();
  const symlinks = new Map<string, string>();

  entries.forEach((entry, index) => {
    if (entry.parts.length === 0) {
      if (entry.kind !== 'directory') {
        throw unsafe(entry, `Bundle entry "${entry.name}" replaces the bundle root with a ${entry.kind}.`);
      }
      return;
    }
    const key = partsKey(entry.parts);
    const earlier = byPath.get(key);
    if (earlier && !(earlier.entry.kind === 'directory' && entry.kind === 'directory')) {
      throw unsafe(entry, `Bundle entry "${entry.name}" appears more than once; each path may be written only once.`);
    }
    if (!earlier) byPath.set(key, { entry, index });
    if (entry.kind === 'symlink') symlinks.set(key, entry.linkTarget ?? '');
  });

  for (const [index, entry] of entries.entries()) {
    for (let depth = 1; depth < entry.parts.length; depth++) {
      const ancestor = byPath.get(partsKey(entry.parts.slice(0, depth)));
      if (ancestor && ancestor.entry.kind !== 'directory') {
        throw unsafe(
          entry,
          `Bundle entry "${entry.name}" lies under "${ancestor.entry.name}", which is a ${describeKind(ancestor.entry.kind)}; ` +
            'entries may not be written through links or files.',
        );
      }
    }
    if (entry.kind === 'symlink') checkSymlink(entry, symlinks);
    if (entry.kind === 'hardlink') checkHardlink(entry, index, rootPrefix, byPath);
  }
}

function checkSymlink(entry: BundleEntry, symlinks: ReadonlyMap<string, string>): void {
  const target = entry.linkTarget ?? '';
  if (target === '') throw corrupt(entry, `Symbolic link "${entry.name}" has an empty target.`);
  if (isAbsoluteName(target)) {
    throw unsafe(
      entry,
      `Symbolic link "${entry.name}" points to the absolute path "${target}"; only relative links that stay inside the bundle are allowed.`,
    );
  }
  if (target.includes('\0') || !resolvesInside(entry.parts.slice(0, -1), target, symlinks)) {
    throw unsafe(entry, `Symbolic link "${entry.name}" -> "${target}" resolves outside the bundle directory.`);
  }
}

/**
 * Walks `target` from `dir` the way the kernel would, substituting the archive's own links as
 * they are met. Any step above the root counts as escaping, even if a later step would come
 * back: the real directory above the root is not ours to reason about.
 */
function resolvesInside(dir: readonly string[], target: string, symlinks: ReadonlyMap<string, string>): boolean {
  const at = [...dir];
  const pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift();
    if (part === undefined || part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) return false;
      at.pop();
      continue;
    }
    at.push(part);
    const link = symlinks.get(partsKey(at));
    if (link !== undefined) {
      if (++hops > MAX_LINK_HOPS || isAbsoluteName(link)) return false;
      at.pop();
      pending.unshift(...link.split('/'));
    }
  }
  return true;
}

function checkHardlink(
  entry: BundleEntry,
  index: number,
  rootPrefix: string,
  byPath: ReadonlyMap<string, { entry: BundleEntry; index: number }>,
): void {
  const target = entry.linkTarget ?? '';
  const outside = (): BundleError =>
    unsafe(entry, `Hard link "${entry.name}" -> "${target}" points outside the bundle directory.`);
  let parts: string[];
  try {
    parts = entryParts(target);
  } catch {
    throw outside();
  }
  if (rootPrefix !== '') {
    if (parts[0] !== rootPrefix.slice(0, -1)) throw outside();
    parts = parts.slice(1);
  }
  const linked = byPath.get(partsKey(parts));
  if (!linked || linked.entry.kind !== 'file' || linked.index >= index) {
    throw unsafe(
      entry,
      `Hard link "${entry.name}" -> "${target}" must point to a regular file that appears earlier in the bundle.`,
    );
  }
}

function describeKind(kind: BundleEntry['kind']): string {
  return kind === 'symlink' ? 'symbolic link' : kind === 'hardlink' ? 'hard link' : 'file';
}

function unsafe(entry: BundleEntry, message: string): BundleError {
  return new BundleError('BUNDLE_UNSAFE_PATH', message, entry.name);
}

function corrupt(entry: BundleEntry, message: string): BundleError {
  return new BundleError('BUNDLE_CORRUPT', message, entry.name);
}
