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
import { entryParts, isAbsoluteName, type BundleEntry } from './entry.js';

/** Linux's own limit on links followed while resolving one path. */
const MAX_LINK_HOPS = 40;

/**
 * The archive's tree, one node per path component. Every check walks it component by component,
 * so the work is linear in the names' total length: keying a map by each ancestor's full path
 * made it quadratic in a path's depth (a few thousand 2,000-deep names took minutes).
 */
interface TreeNode {
  children: Map<string, TreeNode>;
  /** The first entry written at this path, and its position in the archive. */
  entry?: BundleEntry;
  index?: number;
}

function newNode(): TreeNode {
  return { children: new Map() };
}

function nodeAt(root: TreeNode, parts: readonly string[]): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of parts) {
    node = node.children.get(part);
    if (!node) return undefined;
  }
  return node;
}

/**
 * @param maxEntries also bounds the paths the archive creates, the directories it only implies
 *   (a/b/c/f creates a, a/b and a/b/c) included: each is a filesystem object on the host.
 */
export function checkEntryTree(entries: readonly BundleEntry[], rootPrefix: string, maxEntries = Infinity): void {
  const root = newNode();
  let paths = 0;
  entries.forEach((entry, index) => {
    if (entry.parts.length === 0) {
      if (entry.kind !== 'directory') {
        throw unsafe(entry, `Bundle entry "${entry.name}" replaces the bundle root with a ${entry.kind}.`);
      }
      return;
    }
    let node = root;
    for (const part of entry.parts) {
      let child = node.children.get(part);
      if (!child) {
        node.children.set(part, (child = newNode()));
        if (++paths > maxEntries) {
          throw new BundleError(
            'BUNDLE_TOO_LARGE',
            `The bundle would create more than ${maxEntries} files and directories (counting the directories its paths imply), the limit for one revision.`,
            entry.name,
          );
        }
      }
      node = child;
    }
    const earlier = node.entry;
    if (earlier && !(earlier.kind === 'directory' && entry.kind === 'directory')) {
      throw unsafe(entry, `Bundle entry "${entry.name}" appears more than once; each path may be written only once.`);
    }
    if (!earlier) {
      node.entry = entry;
      node.index = index;
    }
  });

  for (const [index, entry] of entries.entries()) {
    let node = root;
    for (let depth = 0; depth < entry.parts.length - 1; depth++) {
      node = node.children.get(entry.parts[depth] ?? '') ?? node;
      const ancestor = node.entry;
      if (ancestor && ancestor.kind !== 'directory') {
        throw unsafe(
          entry,
          `Bundle entry "${entry.name}" lies under "${ancestor.name}", which is a ${describeKind(ancestor.kind)}; ` +
            'entries may not be written through links or files.',
        );
      }
    }
    if (entry.kind === 'symlink') checkSymlink(entry, root);
    if (entry.kind === 'hardlink') checkHardlink(entry, index, rootPrefix, root);
  }
}

function checkSymlink(entry: BundleEntry, root: TreeNode): void {
  const target = entry.linkTarget ?? '';
  if (target === '') throw corrupt(entry, `Symbolic link "${entry.name}" has an empty target.`);
  if (isAbsoluteName(target)) {
    throw unsafe(
      entry,
      `Symbolic link "${entry.name}" points to the absolute path "${target}"; only relative links that stay inside the bundle are allowed.`,
    );
  }
  if (target.includes('\0') || !resolvesInside(root, entry.parts.slice(0, -1), target)) {
    throw unsafe(entry, `Symbolic link "${entry.name}" -> "${target}" resolves outside the bundle directory.`);
  }
}

/**
 * Walks `target` from `dir` the way the kernel would, substituting the archive's own links as
 * they are met. Any step above the root counts as escaping, even if a later step would come
 * back: the real directory above the root is not ours to reason about. The walk keeps the tree
 * node of each level (undefined below a path the archive does not have), never a joined path.
 */
function resolvesInside(root: TreeNode, dir: readonly string[], target: string): boolean {
  const at: (TreeNode | undefined)[] = [];
  let node: TreeNode | undefined = root;
  for (const part of dir) {
    node = node?.children.get(part);
    at.push(node);
  }
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
    const parent = at.length === 0 ? root : at[at.length - 1];
    const next = parent?.children.get(part);
    if (next?.entry?.kind === 'symlink') {
      const link = next.entry.linkTarget ?? '';
      if (++hops > MAX_LINK_HOPS || isAbsoluteName(link)) return false;
      pending.unshift(...link.split('/'));
      continue;
    }
    at.push(next);
  }
  return true;
}

function checkHardlink(entry: BundleEntry, index: number, rootPrefix: string, root: TreeNode): void {
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
  const linked = parts.length === 0 ? undefined : nodeAt(root, parts);
  if (!linked?.entry || linked.entry.kind !== 'file' || (linked.index ?? Infinity) >= index) {
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
