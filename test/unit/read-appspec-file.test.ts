/**
 * readAppSpecFile's bounds: a file of exactly MAX_APPSPEC_BYTES is read, one byte more is refused
 * by its size, and a file that grew after its size was read is refused after reading at most one
 * byte past the limit.
 */
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAppSpecFile } from '../../shared/appspec/read-appspec-file.js';
import { MAX_APPSPEC_BYTES } from '../../shared/appspec/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('read-appspec');

async function fileOf(text: string | Buffer): Promise<string> {
  const file = path.join(await tempDir(), 'appspec.yml');
  await writeFile(file, text);
  return file;
}

/** FileHandle's prototype, to spy on the reader's stat and reads. */
async function fileHandlePrototype(file: string): Promise<{ stat: () => Promise<unknown>; read: (...args: unknown[]) => Promise<{ bytesRead: number }> }> {
  const handle = await open(file, 'r');
  await handle.close();
  return Object.getPrototypeOf(handle);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('readAppSpecFile', () => {
  it('reads a small file whole, multi-byte characters included', async () => {
    const text = 'version: 0.0\nos: linux\n# déjà vu ✓\n';
    expect(await readAppSpecFile(await fileOf(text))).toEqual({ ok: true, text });
  });

  it('reads an empty file as empty text', async () => {
    expect(await readAppSpecFile(await fileOf(''))).toEqual({ ok: true, text: '' });
  });

  it('reads a file of exactly the limit', async () => {
    const result = await readAppSpecFile(await fileOf(Buffer.alloc(MAX_APPSPEC_BYTES, 'x')));
    expect(result.ok && result.text.length).toBe(MAX_APPSPEC_BYTES);
  });

  it('refuses a file one byte over the limit by its size', async () => {
    expect(await readAppSpecFile(await fileOf(Buffer.alloc(MAX_APPSPEC_BYTES + 1, 'x')))).toEqual({
      ok: false,
      message: `The appspec is ${MAX_APPSPEC_BYTES + 1} bytes; at most ${MAX_APPSPEC_BYTES} bytes are accepted.`,
    });
  });

  it('reads the whole of a file that grew after its size was read, within the limit', async () => {
    const text = `version: 0.0\nos: linux\n#${'y'.repeat(5000)}\n`;
    const file = await fileOf(text);
    const proto = await fileHandlePrototype(file);
    vi.spyOn(proto, 'stat').mockResolvedValue({ size: 10 });
    expect(await readAppSpecFile(file)).toEqual({ ok: true, text });
  });

  it('refuses a file that grew past the limit after its size was read, reading at most one byte past it', async () => {
    const file = await fileOf(Buffer.alloc(MAX_APPSPEC_BYTES + 4096, 'x'));
    const proto = await fileHandlePrototype(file);
    vi.spyOn(proto, 'stat').mockResolvedValue({ size: 10 });
    const read = vi.spyOn(proto, 'read');
    expect(await readAppSpecFile(file)).toEqual({ ok: false, message: `The appspec is larger than ${MAX_APPSPEC_BYTES} bytes.` });
    let total = 0;
    for (const result of read.mock.results) total += ((await result.value) as { bytesRead: number }).bytesRead;
    expect(total).toBe(MAX_APPSPEC_BYTES + 1);
  });
});
