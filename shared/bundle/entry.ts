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

/** Linux's PATH_MAX and NAME_MAX: longer could not be written anyway, and names are kept in memory while checking. */
export const MAX_NAME_BYTES = 4096;
export const MAX_COMPONENT_BYTES = 255;
/**
 * Directories deep; real bundles stay under 30. Unpacking costs grow with depth per entry
 * (node-tar reserves every ancestor of every entry), so a deep hostile bundle is slow to unpack.
 */
export const MAX_PATH_DEPTH = 64;
/**
 * All entry names together may take 256 bytes per allowed entry, at least 16 MiB (50,000 entries
 * of 100 bytes are 5 MB): the listing is kept in memory, and must not exhaust the api's.
 */
export function maxTotalNameBytes(maxEntries: number): number {
  return Math.max(16 * 1024 * 1024, maxEntries * 256);
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
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new BundleError('BUNDLE_UNSAFE_PATH', `Bundle entry "${name.slice(0, 100)}…" has a name of more than ${MAX_NAME_BYTES} bytes.`, name.slice(0, 100));
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length > MAX_PATH_DEPTH) {
    throw new BundleError('BUNDLE_UNSUPPORTED_ENTRY', `Bundle entry "${name.slice(0, 100)}…" is nested more than ${MAX_PATH_DEPTH} levels deep.`, name.slice(0, 100));
  }
  const long = parts.find((p) => Buffer.byteLength(p) > MAX_COMPONENT_BYTES);
  if (long !== undefined) {
    throw new BundleError('BUNDLE_UNSAFE_PATH', `Bundle entry "${name}" has a path component of more than ${MAX_COMPONENT_BYTES} bytes.`, name);
  }
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

export function namesTooLarge(maxEntries: number): BundleError {
  return new BundleError('BUNDLE_TOO_LARGE', `The bundle's entry names add up to more than ${maxTotalNameBytes(maxEntries)} bytes, the limit for one revision.`);
}
