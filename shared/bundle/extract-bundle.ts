/**
 * extractBundle: unpack a revision into an empty directory, safely. Pass one lists and checks
 * every entry without writing; pass two writes; a final walk re-checks the result on disk.
 * Any refusal empties the directory and throws a BundleError naming the entry: nothing is
 * skipped silently and nothing lands outside destDir. Symlinks that stay inside are kept.
 */
import { mkdir, readdir } from 'node:fs/promises';
import type { BundleType } from '../domain/types.js';
import { bundleRootPrefix, stripRoot } from './bundle-root.js';
import { checkEntryTree } from './entry-tree.js';
import { extractTar } from './extract-tar.js';
import { hoistRoot } from './hoist-root.js';
import { resolveLimits, type BundleLimits } from './limits.js';
import { emptyDirectory } from './safe-fs.js';
import { scanTar } from './scan-tar.js';
import { openZip, scanZip } from './scan-zip.js';
import { verifyTree } from './verify-tree.js';
import { writeZipEntries } from './write-zip.js';

export async function extractBundle(
  archivePath: string,
  type: BundleType,
  destDir: string,
  limits?: BundleLimits,
): Promise<void> {
  const bounds = resolveLimits(limits);
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) {
    throw new Error(`extractBundle needs an empty directory to unpack into; ${destDir} is not empty.`);
  }
  try {
    if (type === 'zip') await extractZip(archivePath, destDir, bounds);
    else await extractTarball(archivePath, type, destDir, bounds);
    await verifyTree(destDir);
  } catch (err) {
    await emptyDirectory(destDir);
    throw err;
  }
}

async function extractTarball(
  archivePath: string,
  type: 'tar' | 'tgz',
  destDir: string,
  bounds: Required<BundleLimits>,
): Promise<void> {
  const entries = await scanTar(archivePath, type, bounds);
  const prefix = bundleRootPrefix(entries);
  checkEntryTree(stripRoot(entries, prefix), prefix, bounds.maxEntries);
  await extractTar(archivePath, type, destDir, entries, bounds);
  if (prefix !== '') await hoistRoot(destDir, prefix.slice(0, -1));
}

async function extractZip(archivePath: string, destDir: string, bounds: Required<BundleLimits>): Promise<void> {
  const zip = await openZip(archivePath);
  try {
    const listing = await scanZip(zip, bounds);
    const prefix = bundleRootPrefix(listing.entries);
    const stripped = stripRoot(listing.entries, prefix);
    checkEntryTree(stripped, prefix, bounds.maxEntries);
    await writeZipEntries(zip, stripped, listing.raw, destDir);
  } finally {
    zip.close();
  }
}
