/**
 * Reads an unpacked revision's appspec without trusting its size: the api checks the standard
 * names at upload, but a deployment may name another file (appSpecFilename), and a bundle may
 * hold a file of gigabytes there. Anything over MAX_APPSPEC_BYTES is refused unread.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { MAX_APPSPEC_BYTES } from './types.js';

export type AppSpecText = { ok: true; text: string } | { ok: false; message: string };

export async function readAppSpecFile(filePath: string): Promise<AppSpecText> {
  const file = await open(filePath, 'r');
  try {
    const { size } = await file.stat();
    if (size > MAX_APPSPEC_BYTES) {
      return { ok: false, message: `The appspec is ${size} bytes; at most ${MAX_APPSPEC_BYTES} bytes are accepted.` };
    }
    // One byte past the stat's size, so a file that grew since is noticed; at most one past the limit.
    const bytes = await readUpTo(file, size + 1, MAX_APPSPEC_BYTES + 1);
    if (bytes.length > MAX_APPSPEC_BYTES) return { ok: false, message: `The appspec is larger than ${MAX_APPSPEC_BYTES} bytes.` };
    return { ok: true, text: bytes.toString('utf8') };
  } finally {
    await file.close();
  }
}

/**
 * The file's first `limit` bytes (all of it if shorter), read into a buffer of `expected` bytes
 * that grows only when the file turns out longer. A buffer the size of the limit, zero-filled for
 * every read, cost more than parsing the usual few hundred bytes; unfilled memory is safe here,
 * as only the bytes read are returned.
 */
async function readUpTo(file: FileHandle, expected: number, limit: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(expected, limit));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length === limit) break;
      const bigger = Buffer.allocUnsafe(Math.min(length * 2, limit));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}
