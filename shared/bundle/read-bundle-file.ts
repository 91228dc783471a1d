/**
 * readBundleFile: one small file (the appspec) from an archive, without unpacking it. The whole
 * archive is still listed and checked like extractBundle does (limits, names, links), so an
 * upload that the agent would refuse is refused at upload time too.
 *
 * The file is looked for at the bundle root after CodeDeploy's rule: at the archive root, or in
 * the single top-level directory when that directory holds the appspec.
 */
import type { BundleType } from '../domain/types.js';
import { BundleError } from './bundle-error.js';
import { bundleRootPrefix, stripRoot } from './bundle-root.js';
import { partsKey, type BundleEntry } from './entry.js';
import { checkEntryTree } from './entry-tree.js';
import { resolveLimits, type BundleLimits } from './limits.js';
import { scanTar } from './scan-tar.js';
import { openZip, readZipEntry, scanZip } from './scan-zip.js';
import type { Entry, ZipFile } from 'yauzl';

export interface BundleFile {
  content: Buffer;
  /** '' or the top-level directory that was taken as the bundle root, e.g. "myapp/". */
  rootPrefix: string;
  /** Which of the requested names was found. */
  fileName: string;
}

/**
 * @param fileName one name, or several in order of preference (e.g. appspec.yml, appspec.yaml)
 * @param maxBytes the file may be at most this large (BundleError BUNDLE_TOO_LARGE otherwise)
 * @returns undefined when none of the names is at the bundle root
 */
export async function readBundleFile(
  archivePath: string,
  type: BundleType,
  fileName: string | readonly string[],
  maxBytes: number,
  limits?: BundleLimits,
): Promise<BundleFile | undefined> {
  const names = typeof fileName === 'string' ? [fileName] : [...fileName];
  const bounds = resolveLimits(limits);
  if (type === 'zip') return readFromZip(archivePath, names, maxBytes, bounds);

  // A tar streams by once, so candidates are kept as they pass: the root copies and, while the
  // archive still has a single top-level directory, the copies inside it. Never more than that.
  const captured = new Map<string, Buffer>();
  const tops = new Set<string>();
  const entries = await scanTar(archivePath, type, bounds, {
    wants(entry) {
      const first = entry.parts[0];
      if (first !== undefined && !tops.has(first)) {
        tops.add(first);
        if (tops.size > 1) for (const key of [...captured.keys()]) if (key.includes('/')) captured.delete(key);
      }
      if (entry.kind !== 'file' || entry.size > maxBytes) return false;
      const [a, b] = entry.parts;
      if (entry.parts.length === 1) return names.includes(a ?? '');
      return entry.parts.length === 2 && tops.size === 1 && names.includes(b ?? '');
    },
    take(entry, content) {
      captured.set(partsKey(entry.parts), content);
    },
  });
  const prefix = bundleRootPrefix(entries);
  checkEntryTree(stripRoot(entries, prefix), prefix, bounds.maxEntries);
  for (const name of names) {
    const entry = find(entries, prefix, name, maxBytes);
    if (!entry) continue;
    const content = captured.get(partsKey(entry.parts));
    if (content) return { content, rootPrefix: prefix, fileName: name };
  }
  return undefined;
}

async function readFromZip(
  archivePath: string,
  names: readonly string[],
  maxBytes: number,
  bounds: Required<BundleLimits>,
): Promise<BundleFile | undefined> {
  const zip = await openZip(archivePath);
  try {
    const { entries, raw } = await scanZip(zip, bounds);
    const prefix = bundleRootPrefix(entries);
    checkEntryTree(stripRoot(entries, prefix), prefix, bounds.maxEntries);
    await inflateAll(zip, entries, raw);
    for (const name of names) {
      const entry = find(entries, prefix, name, maxBytes);
      const item = entry ? raw[entries.indexOf(entry)] : undefined;
      if (entry && item) return { content: await readZipEntry(zip, item, maxBytes, entry.name), rootPrefix: prefix, fileName: name };
    }
    return undefined;
  } finally {
    zip.close();
  }
}

/**
 * Inflates every file once and throws the data away: a zip's sizes are only claims until then,
 * and an entry that inflates past its claim (a bomb that lies) must be refused at upload, as
 * extraction would refuse it. A tar is read whole by scanTar already. Bounded by the claims,
 * which scanZip held to the limit: yauzl stops an entry at its claimed size.
 */
async function inflateAll(zip: ZipFile, entries: readonly BundleEntry[], raw: readonly Entry[]): Promise<void> {
  for (const [i, entry] of entries.entries()) {
    const item = raw[i];
    if (entry.kind !== 'file' || !item) continue;
    try {
      const stream = await zip.openReadStreamPromise(item);
      for await (const _ of stream as AsyncIterable<Buffer>);
    } catch (err) {
      throw new BundleError('BUNDLE_CORRUPT', `Bundle entry "${entry.name}" does not hold what the zip says it does: ${(err as Error).message}`, entry.name);
    }
  }
}

/** The entry for `name` at the bundle root; refuses one that is not a regular file or too large. */
function find(entries: readonly BundleEntry[], prefix: string, name: string, maxBytes: number): BundleEntry | undefined {
  const key = prefix + name;
  const entry = entries.find((e) => partsKey(e.parts) === key);
  if (!entry) return undefined;
  if (entry.kind !== 'file') {
    throw new BundleError('BUNDLE_UNSUPPORTED_ENTRY', `${name} in the bundle is a ${entry.kind}; it must be a regular file.`, entry.name);
  }
  if (entry.size > maxBytes) {
    throw new BundleError('BUNDLE_TOO_LARGE', `${name} in the bundle is ${entry.size} bytes; at most ${maxBytes} are accepted.`, entry.name);
  }
  return entry;
}
