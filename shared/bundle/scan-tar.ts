/**
 * Lists a tar/tgz without writing anything: every entry's name, kind, size and link target,
 * checked one by one as they stream past (names, special files, count and size limits).
 * `capture` may ask for the content of a few small files (the appspec) on the way.
 */
import { Parser, type ReadEntry } from 'tar';
import { BundleError } from './bundle-error.js';
import { MAX_NAME_BYTES, entryParts, maxTotalNameBytes, namesTooLarge, type BundleEntry, type EntryKind } from './entry.js';
import { TAR_READ_OPTIONS, feedTar, type TarType } from './tar-feed.js';

export interface Capture {
  /** Called for every entry; return true to receive a regular file's content. */
  wants(entry: BundleEntry): boolean;
  /** Receives the content of a wanted file once it has been read. */
  take(entry: BundleEntry, content: Buffer): void;
}

const KINDS: Readonly<Record<string, EntryKind>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

export async function scanTar(
  archivePath: string,
  type: TarType,
  limits: { maxEntries: number; maxBytes: number },
  capture?: Capture,
): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  let refusal: BundleError | undefined;
  let nameBytes = 0;
  const maxNames = maxTotalNameBytes(limits.maxEntries);

  const onEntry = (read: ReadEntry): void => {
    if (refusal) return void read.resume();
    try {
      const entry = describeTarEntry(read);
      if (entries.length >= limits.maxEntries) {
        throw new BundleError('BUNDLE_TOO_LARGE', `The bundle has more than ${limits.maxEntries} entries, the limit for one revision.`);
      }
      nameBytes += entry.name.length + (entry.linkTarget?.length ?? 0);
      if (nameBytes > maxNames) throw namesTooLarge(limits.maxEntries);
      entries.push(entry);
      if (capture?.wants(entry) && entry.kind === 'file') {
        const chunks: Buffer[] = [];
        read.on('data', (chunk: Buffer) => chunks.push(chunk));
        read.on('end', () => capture.take(entry, Buffer.concat(chunks)));
        return;
      }
    } catch (err) {
      refusal = err instanceof BundleError ? err : new BundleError('BUNDLE_CORRUPT', String(err));
    }
    read.resume();
  };

  const parser = new Parser({ ...TAR_READ_OPTIONS, onReadEntry: onEntry });
  await feedTar(archivePath, type, parser, limits.maxBytes, () => refusal);
  return entries;
}

/** One node-tar entry in our terms; throws BundleError for names or types we refuse. */
export function describeTarEntry(read: ReadEntry): BundleEntry {
  const name = read.path;
  const kind = KINDS[read.type];
  if (!kind) {
    throw new BundleError(
      'BUNDLE_UNSUPPORTED_ENTRY',
      `Bundle entry "${name}" is a ${read.type} entry; bundles may contain only files, directories and links.`,
      name,
    );
  }
  const entry: BundleEntry = { name, parts: entryParts(name), kind, size: read.size ?? 0 };
  if (kind === 'symlink' || kind === 'hardlink') {
    entry.linkTarget = read.linkpath ?? '';
    if (Buffer.byteLength(entry.linkTarget) > MAX_NAME_BYTES) {
      throw new BundleError('BUNDLE_UNSAFE_PATH', `Link "${name}" has a target of more than ${MAX_NAME_BYTES} bytes.`, name);
    }
  }
  if (read.mode !== undefined) entry.mode = read.mode;
  return entry;
}
