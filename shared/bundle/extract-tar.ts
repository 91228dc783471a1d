/**
 * Second pass over a tar/tgz that scanTar and checkEntryTree have already accepted: node-tar's
 * Unpack writes it, with paths never preserved, owners never preserved (node-tar would as root),
 * strict mode so no entry is skipped with a mere warning, and a filter that holds every entry to
 * what the first pass saw.
 */
import { ReadEntry, Unpack } from 'tar';
import { BundleError } from './bundle-error.js';
import type { BundleEntry } from './entry.js';
import { describeTarEntry } from './scan-tar.js';
import { TAR_READ_OPTIONS, feedTar, type TarType } from './tar-feed.js';

export async function extractTar(
  archivePath: string,
  type: TarType,
  destDir: string,
  checked: readonly BundleEntry[],
  limits: { maxEntries: number; maxBytes: number },
): Promise<void> {
  const expected = new Map(checked.map((e) => [e.name, e]));
  let refusal: BundleError | undefined;
  let count = 0;

  const filter = (_path: string, read: ReadEntry | unknown): boolean => {
    if (refusal || !(read instanceof ReadEntry)) return false;
    try {
      const entry = describeTarEntry(read);
      const seen = expected.get(entry.name);
      if (++count > limits.maxEntries || !seen || seen.kind !== entry.kind || seen.linkTarget !== entry.linkTarget) {
        throw new BundleError(
          'BUNDLE_UNSAFE_PATH',
          `Bundle entry "${entry.name}" differs from what was checked before extraction; the archive changed while it was read.`,
          entry.name,
        );
      }
      // setuid/setgid/sticky bits from an archive are dropped: a root agent would otherwise create
      // setuid-root programs from uploaded content. The appspec's permissions can still set them.
      if (typeof read.mode === 'number') read.mode &= 0o777;
      return true;
    } catch (err) {
      refusal = err instanceof BundleError ? err : new BundleError('BUNDLE_CORRUPT', String(err));
      return false;
    }
  };

  const unpack = new Unpack({
    ...TAR_READ_OPTIONS,
    cwd: destDir,
    preservePaths: false,
    preserveOwner: false,
    filter,
  });
  await feedTar(archivePath, type, unpack, limits.maxBytes, () => refusal);
}
