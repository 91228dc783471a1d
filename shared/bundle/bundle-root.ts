/**
 * CodeDeploy's root rule: when everything in the archive sits in one top-level directory and
 * that directory holds an appspec (the agent greps its names for /appspec/i), that directory is
 * the bundle root. This is what lets users zip a project folder rather than its contents.
 */
import type { BundleEntry } from './entry.js';

/** '' when the archive root is the bundle root, else "<dir>/". */
export function bundleRootPrefix(entries: readonly Pick<BundleEntry, 'parts' | 'kind'>[]): string {
  let top: string | undefined;
  let isDirectory = false;
  let hasAppSpec = false;
  for (const { parts, kind } of entries) {
    const first = parts[0];
    if (first === undefined) continue;
    if (top === undefined) top = first;
    else if (top !== first) return '';
    if (parts.length === 1) {
      if (kind !== 'directory') return '';
      isDirectory = true;
    } else {
      isDirectory = true;
      if (parts.length === 2 && /appspec/i.test(parts[1] ?? '')) hasAppSpec = true;
    }
  }
  return top !== undefined && isDirectory && hasAppSpec ? `${top}/` : '';
}

/** Drops the root prefix from every entry; the prefix directory itself becomes the root ([]). */
export function stripRoot<E extends { parts: string[] }>(entries: readonly E[], prefix: string): E[] {
  if (prefix === '') return [...entries];
  return entries.map((e) => ({ ...e, parts: e.parts.slice(1) }));
}
