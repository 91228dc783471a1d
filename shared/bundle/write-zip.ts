/**
 * Writes the entries of a checked zip under destDir (entries already stripped of the bundle root).
 * yauzl only reads, so the writing is ours: directories one level at a time, never through a
 * link; files created exclusively ("wx" fails on anything already there, links included);
 * symlinks created as links; sizes held to the central directory by yauzl.
 */
import { createWriteStream } from 'node:fs';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Entry, ZipFile } from 'yauzl';
import { BundleError } from './bundle-error.js';
import type { BundleEntry } from './entry.js';
import { mkdirInside } from './safe-fs.js';
import { corrupt } from './scan-zip.js';

export async function writeZipEntries(
  zip: ZipFile,
  entries: readonly BundleEntry[],
  raw: readonly Entry[],
  destDir: string,
): Promise<void> {
  const made = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const item = raw[i];
    if (entry.parts.length === 0 || !item) continue;
    const target = path.join(destDir, ...entry.parts);
    const parent = entry.parts.slice(0, -1);
    switch (entry.kind) {
      case 'directory':
        // Kept writable by us so later entries can land in it, whatever the archive says.
        await mkdirInside(destDir, entry.parts, entry.name, ((entry.mode ?? 0o755) | 0o700) & 0o777, made);
        break;
      case 'file': {
        await mkdirInside(destDir, parent, entry.name, undefined, made);
        let source;
        try {
          source = await zip.openReadStreamPromise(item);
        } catch (err) {
          throw corrupt(err);
        }
        try {
          await pipeline(source, createWriteStream(target, { flags: 'wx', mode: (entry.mode ?? 0o644) & 0o777 }));
        } catch (err) {
          if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E')) throw err;
          throw corrupt(err);
        }
        break;
      }
      case 'symlink':
        await mkdirInside(destDir, parent, entry.name, undefined, made);
        await symlink(entry.linkTarget ?? '', target);
        break;
      case 'hardlink':
        throw new BundleError('BUNDLE_UNSUPPORTED_ENTRY', `Bundle entry "${entry.name}" is a hard link, which zip does not have.`, entry.name);
    }
  }
}
