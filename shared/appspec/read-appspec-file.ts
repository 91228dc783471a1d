/**
 * Reads an unpacked revision's appspec without trusting its size: the api checks the standard
 * names at upload, but a deployment may name another file (appSpecFilename), and a bundle may
 * hold a file of gigabytes there. Anything over MAX_APPSPEC_BYTES is refused unread.
 */
import { open } from 'node:fs/promises';
import { MAX_APPSPEC_BYTES } from './types.js';

export type AppSpecText = { ok: true; text: string } | { ok: false; message: string };

export async function readAppSpecFile(filePath: string): Promise<AppSpecText> {
  const file = await open(filePath, 'r');
  try {
    const { size } = await file.stat();
    if (size > MAX_APPSPEC_BYTES) {
      return { ok: false, message: `The appspec is ${size} bytes; at most ${MAX_APPSPEC_BYTES} bytes are accepted.` };
    }
    // Read at most one byte past the limit, whatever the file grew to since the stat.
    const buffer = Buffer.alloc(MAX_APPSPEC_BYTES + 1);
    let bytesRead = 0;
    for (let n = -1; n !== 0 && bytesRead < buffer.length; bytesRead += n) {
      n = (await file.read(buffer, bytesRead, buffer.length - bytesRead, bytesRead)).bytesRead;
    }
    if (bytesRead > MAX_APPSPEC_BYTES) return { ok: false, message: `The appspec is larger than ${MAX_APPSPEC_BYTES} bytes.` };
    return { ok: true, text: buffer.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await file.close();
  }
}
