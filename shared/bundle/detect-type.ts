/** The archive type from its first bytes (the first 512 are enough), whatever the file is called. */
import type { BundleType } from '../domain/types.js';

const GZIP = [0x1f, 0x8b];
const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
/** An empty zip is only an end-of-central-directory record. */
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const USTAR_OFFSET = 257;

export function detectBundleType(head: Buffer): BundleType | undefined {
  if (startsWith(head, GZIP)) return 'tgz';
  if (startsWith(head, ZIP_LOCAL_HEADER) || startsWith(head, ZIP_EMPTY)) return 'zip';
  // Both POSIX "ustar\0" and GNU "ustar " share these five bytes.
  if (head.length >= USTAR_OFFSET + 5 && head.toString('latin1', USTAR_OFFSET, USTAR_OFFSET + 5) === 'ustar') return 'tar';
  return undefined;
}

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((byte, i) => buf[i] === byte);
}
