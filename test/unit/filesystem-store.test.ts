import { afterAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FilesystemArtifactStore } from '../../shared/artifacts/filesystem-store.js';

async function readAll(stream: Readable): Promise<{ body: Buffer; chunkSizes: number[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { body: Buffer.concat(chunks), chunkSizes: chunks.map((c) => c.length) };
}

describe('FilesystemArtifactStore.read', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function storeWith(content: Buffer): Promise<{ store: FilesystemArtifactStore; digest: string }> {
    const dir = await mkdtemp(path.join(tmpdir(), 'cutover-artifacts-'));
    dirs.push(dir);
    const store = new FilesystemArtifactStore(dir);
    const staged = await store.stagingPath();
    await writeFile(staged, content);
    const digest = createHash('sha256').update(content).digest('hex');
    await store.commit(staged, digest);
    return { store, digest };
  }

  it('reads a small bundle whole, in one chunk no larger than itself, when its size is given', async () => {
    const content = Buffer.from('a small bundle');
    const { store, digest } = await storeWith(content);
    const { body, chunkSizes } = await readAll(store.read(digest, content.length));
    expect(body.equals(content)).toBe(true);
    expect(chunkSizes).toEqual([content.length]);
  });

  it('reads a large bundle whole in chunks of at most 64 KB, with or without its size', async () => {
    const content = randomBytes(300 * 1024);
    const { store, digest } = await storeWith(content);
    for (const size of [content.length, undefined]) {
      const { body, chunkSizes } = await readAll(store.read(digest, size));
      expect(body.equals(content)).toBe(true);
      expect(Math.max(...chunkSizes)).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('reads an empty bundle as nothing', async () => {
    const { store, digest } = await storeWith(Buffer.alloc(0));
    expect((await readAll(store.read(digest, 0))).body.length).toBe(0);
  });
});
