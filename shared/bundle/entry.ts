/**
 * One archive entry as both formats describe it, and the name rules every entry must pass:
 * relative, no "..", no NUL. Names are split into components so the root-stripping rule and the
 * link checks work on the same representation.
 */
import { BundleError } from './bundle-error.js';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface BundleEntry {
  /** The name as written in the archive, for messages. */
  name: string;
  /** Path components below the bundle root (after any root stripping). [] is the root itself. */
  parts: string[];
  kind: EntryKind;
  size: number;
  /** Symlink: its target as written. Hardlink: the archive path of the file it links to. */
  linkTarget?: string;
  /** Permission bits from the archive, when it has them. */
  mode?: number;
}

/** Absolute on any platform an archive may come from: "/x", "\\x", "C:…". */
export function isAbsoluteName(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name);
}

/** Splits an entry name into components, refusing anything that could leave the destination. */
export function entryParts(name: string): string[] {
  if (name.includes('\0')) {
    throw new BundleError('BUNDLE_UNSAFE_PATH', `Bundle entry ${JSON.stringify(name)} has a NUL byte in its name.`, name);
  }
  if (isAbsoluteName(name)) {
    throw new BundleError(
      'BUNDLE_UNSAFE_PATH',
      `Bundle entry "${name}" has an absolute path; entries must be relative to the bundle root.`,
      name,
    );
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new BundleError(
      'BUNDLE_UNSAFE_PATH',
      `Bundle entry "${name}" contains a ".." component, which would write outside the bundle directory.`,
      name,
    );
  }
  return parts;
}

export function partsKey(parts: readonly string[]): string {
  return parts.join('/');
}
