/**
 * Lists a zip from its central directory (yauzl, lazy entries): names decoded and checked by us
 * so a refusal names the entry, kinds taken from the Unix mode in the external attributes, and
 * symlink targets read (they are the entry's content). The zip stays open for extraction.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { BundleError } from './bundle-error.js';
import { entryParts, maxTotalNameBytes, namesTooLarge, type BundleEntry, type EntryKind } from './entry.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Longer than any sane link target; PATH_MAX is 4096. */
const MAX_LINK_TARGET_BYTES = 4096;

export interface ZipListing {
  zip: ZipFile;
  entries: BundleEntry[];
  /** yauzl's entry for each of `entries`, same order. */
  raw: Entry[];
}

export async function openZip(archivePath: string): Promise<ZipFile> {
  try {
    // Names stay undecoded so we validate them ourselves; sizes are checked against the data.
    return await yauzl.openPromise(archivePath, {
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (err) {
    throw corrupt(err);
  }
}

export async function scanZip(zip: ZipFile, limits: { maxEntries: number; maxBytes: number }): Promise<ZipListing> {
  if (zip.entryCount > limits.maxEntries) {
    throw new BundleError('BUNDLE_TOO_LARGE', `The bundle has ${zip.entryCount} entries; the limit for one revision is ${limits.maxEntries}.`);
  }
  const entries: BundleEntry[] = [];
  const raw: Entry[] = [];
  let total = 0;
  let nameBytes = 0;
  const maxNames = maxTotalNameBytes(limits.maxEntries);
  try {
    for await (const item of zip.eachEntry()) {
      const entry = describeZipEntry(item);
      nameBytes += entry.name.length;
      if (nameBytes > maxNames) throw namesTooLarge(limits.maxEntries);
      total += entry.size;
      if (total > limits.maxBytes) {
        throw new BundleError('BUNDLE_TOO_LARGE', `The bundle unpacks to more than ${limits.maxBytes} bytes, the limit for one revision.`, entry.name);
      }
      if (entry.kind === 'symlink') entry.linkTarget = (await readZipEntry(zip, item, MAX_LINK_TARGET_BYTES, entry.name)).toString('utf8');
      entries.push(entry);
      raw.push(item);
    }
  } catch (err) {
    throw err instanceof BundleError ? err : corrupt(err);
  }
  return { zip, entries, raw };
}

function describeZipEntry(item: Entry): BundleEntry {
  // Decoded like yauzl would (UTF-8 flag, Info-ZIP unicode path, else CP437), backslashes as "/".
  const name = yauzl.getFileNameLowLevel(item.generalPurposeBitFlag, item.fileNameRaw, item.extraFields, false);
  if (item.isEncrypted()) {
    throw new BundleError('BUNDLE_UNSUPPORTED_ENTRY', `Bundle entry "${name}" is encrypted; encrypted zips are not supported.`, name);
  }
  if (!item.canDecodeFileData()) {
    throw new BundleError(
      'BUNDLE_UNSUPPORTED_ENTRY',
      `Bundle entry "${name}" uses zip compression method ${item.compressionMethod}; only stored and deflated entries are supported.`,
      name,
    );
  }
  const unixMode = (item.externalFileAttributes >>> 16) & 0xffff;
  const kind = kindOf(name, unixMode);
  const entry: BundleEntry = { name, parts: entryParts(name), kind, size: item.uncompressedSize };
  if (unixMode & 0o777) entry.mode = unixMode & 0o777;
  return entry;
}

function kindOf(name: string, unixMode: number): EntryKind {
  if (name.endsWith('/')) return 'directory';
  const format = unixMode & S_IFMT;
  // Zips made without Unix attributes (Windows tools) have no format bits: a plain file.
  if (format === 0 || format === S_IFREG) return 'file';
  if (format === S_IFDIR) return 'directory';
  if (format === S_IFLNK) return 'symlink';
  throw new BundleError(
    'BUNDLE_UNSUPPORTED_ENTRY',
    `Bundle entry "${name}" is a device, FIFO or socket; bundles may contain only files, directories and links.`,
    name,
  );
}

/** Reads a whole entry into memory, refusing more than `maxBytes`. */
export async function readZipEntry(zip: ZipFile, item: Entry, maxBytes: number, name: string): Promise<Buffer> {
  if (item.uncompressedSize > maxBytes) {
    throw new BundleError('BUNDLE_TOO_LARGE', `Bundle entry "${name}" is ${item.uncompressedSize} bytes; at most ${maxBytes} are read.`, name);
  }
  const stream = await zip.openReadStreamPromise(item);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new BundleError('BUNDLE_TOO_LARGE', `Bundle entry "${name}" is larger than ${maxBytes} bytes.`, name);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function corrupt(err: unknown): BundleError {
  const why = err instanceof Error ? err.message : String(err);
  return new BundleError('BUNDLE_CORRUPT', `The bundle is not a readable zip archive: ${why}`);
}
