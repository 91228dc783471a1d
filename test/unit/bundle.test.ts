import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { BundleError, detectBundleType, extractBundle, readBundleFile } from '../../shared/bundle/index.js';
import type { BundleType } from '../../shared/domain/types.js';
import { tarArchive, tgzArchive, type TarEntrySpec } from '../helpers/tar-writer.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { S_IFLNK, zipArchive, type ZipEntrySpec } from '../helpers/zip-writer.js';

const tempDir = useTempDirs('bundle');

/** A work dir holding the archive and an empty `dest`; anything else appearing in it escaped. */
async function setup(archive: Buffer, name = 'bundle'): Promise<{ work: string; file: string; dest: string }> {
  const work = await tempDir();
  const file = path.join(work, name);
  await writeFile(file, archive);
  return { work, file, dest: path.join(work, 'out', 'dest') };
}

async function rejection(promise: Promise<unknown>): Promise<BundleError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleError);
  return err as BundleError;
}

/** Extraction must fail with `code`, leave dest empty and write nothing beside it. */
async function expectRefused(archive: Buffer, type: BundleType, code: BundleError['code'], entry: string | RegExp) {
  const { work, file, dest } = await setup(archive);
  const err = await rejection(extractBundle(file, type, dest, { maxBytes: 1024 * 1024, maxEntries: 20 }));
  expect(err.code).toBe(code);
  expect(err.message).toMatch(typeof entry === 'string' ? new RegExp(escape(entry)) : entry);
  expect(await readdir(dest)).toEqual([]);
  expect((await readdir(work)).sort()).toEqual(['bundle', 'out']);
  expect(await readdir(path.join(work, 'out'))).toEqual(['dest']);
  return err;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('detectBundleType', () => {
  it('recognises gzip, zip (also empty) and ustar by their magic bytes', () => {
    expect(detectBundleType(tgzArchive([{ name: 'a', type: 'file' }]))).toBe('tgz');
    expect(detectBundleType(tarArchive([{ name: 'a', type: 'file' }]))).toBe('tar');
    expect(detectBundleType(zipArchive([{ name: 'a', content: 'x' }]))).toBe('zip');
    expect(detectBundleType(zipArchive([]))).toBe('zip');
    expect(detectBundleType(Buffer.from('version: 0.0\n'))).toBeUndefined();
    expect(detectBundleType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('extractBundle: good bundles', () => {
  it('extracts a tgz made by node-tar, keeping modes and an inside symlink', async () => {
    const work = await tempDir();
    const src = path.join(work, 'src');
    await mkdir(path.join(src, 'scripts'), { recursive: true });
    await writeFile(path.join(src, 'appspec.yml'), 'version: 0.0\n');
    await writeFile(path.join(src, 'scripts', 'start.sh'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(src, 'scripts', 'start.sh'), 0o755);
    await symlink('scripts/start.sh', path.join(src, 'start'));
    const file = path.join(work, 'b.tgz');
    await tar.c({ file, cwd: src, gzip: true }, ['.']);

    const dest = path.join(work, 'dest');
    await extractBundle(file, 'tgz', dest);
    expect((await readdir(dest)).sort()).toEqual(['appspec.yml', 'scripts', 'start']);
    expect(await readlink(path.join(dest, 'start'))).toBe('scripts/start.sh');
    expect((await stat(path.join(dest, 'scripts', 'start.sh'))).mode & 0o111).not.toBe(0);
    expect(await readFile(path.join(dest, 'start'), 'utf8')).toContain('echo hi');
  });

  it('extracts a zip with directories, a deflated file and an inside symlink', async () => {
    const { file, dest } = await setup(
      zipArchive([
        { name: 'appspec.yml', content: 'version: 0.0\n', deflate: true },
        { name: 'conf/' },
        { name: 'conf/app.conf', content: 'port=80\n' },
        { name: 'bin/run.sh', content: '#!/bin/sh\n', unixMode: 0o100755 },
        { name: 'current', content: 'conf', unixMode: S_IFLNK | 0o777 },
      ]),
    );
    await extractBundle(file, 'zip', dest);
    expect((await readdir(dest)).sort()).toEqual(['appspec.yml', 'bin', 'conf', 'current']);
    expect((await lstat(path.join(dest, 'current'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(dest, 'current', 'app.conf'), 'utf8')).toBe('port=80\n');
    expect((await stat(path.join(dest, 'bin', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(dest, 'appspec.yml'), 'utf8')).toBe('version: 0.0\n');
  });

  it('keeps a hard link to an earlier file of the bundle', async () => {
    const { file, dest } = await setup(
      tarArchive([
        { name: 'a.txt', type: 'file', content: 'same' },
        { name: 'b.txt', type: 'hardlink', target: 'a.txt' },
      ]),
    );
    await extractBundle(file, 'tar', dest);
    const [a, b] = await Promise.all([stat(path.join(dest, 'a.txt')), stat(path.join(dest, 'b.txt'))]);
    expect(a.ino).toBe(b.ino);
  });

  it.each<[BundleType, (entries: { name: string; content?: string }[]) => Buffer]>([
    ['tgz', (es) => tgzArchive(es.map((e) => (e.name.endsWith('/') ? { name: e.name, type: 'dir' } : { name: e.name, type: 'file', content: e.content })))],
    ['zip', (es) => zipArchive(es)],
  ])('strips a single top-level directory that holds the appspec (%s)', async (type, make) => {
    const { file, dest } = await setup(
      make([
        { name: 'myapp/' },
        { name: 'myapp/appspec.yml', content: 'version: 0.0\n' },
        { name: 'myapp/myapp/nested.txt', content: 'n' },
        { name: 'myapp/index.html', content: '<h1>' },
      ]),
    );
    await extractBundle(file, type, dest);
    expect((await readdir(dest)).sort()).toEqual(['appspec.yml', 'index.html', 'myapp']);
    expect(await readFile(path.join(dest, 'myapp', 'nested.txt'), 'utf8')).toBe('n');
  });

  it('does not strip a top-level directory without an appspec in it', async () => {
    const { file, dest } = await setup(tgzArchive([{ name: 'site/index.html', type: 'file', content: 'x' }]));
    await extractBundle(file, 'tgz', dest);
    expect(await readdir(dest)).toEqual(['site']);
  });

  it('drops setuid bits from archive modes', async () => {
    const { file, dest } = await setup(tarArchive([{ name: 'su', type: 'file', content: 'x', mode: 0o4755 }]));
    await extractBundle(file, 'tar', dest);
    expect((await stat(path.join(dest, 'su'))).mode & 0o7777).toBe(0o755);
  });

  it('refuses to unpack into a directory that is not empty', async () => {
    const { file, dest } = await setup(tarArchive([{ name: 'a', type: 'file' }]));
    await mkdir(dest, { recursive: true });
    await writeFile(path.join(dest, 'old'), '');
    await expect(extractBundle(file, 'tar', dest)).rejects.toThrow(/not empty/);
    expect(await readdir(dest)).toEqual(['old']);
  });
});

describe('extractBundle: hostile tar archives', () => {
  const ok: TarEntrySpec = { name: 'appspec.yml', type: 'file', content: 'version: 0.0\n' };

  it('refuses a ".." entry (zip-slip)', async () => {
    await expectRefused(tarArchive([ok, { name: '../evil', type: 'file', content: 'x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Bundle entry "../evil" contains a ".." component');
    await expectRefused(tgzArchive([ok, { name: 'a/../../evil', type: 'file' }]), 'tgz', 'BUNDLE_UNSAFE_PATH', '"a/../../evil"');
  });

  it('refuses an absolute path', async () => {
    await expectRefused(tarArchive([{ name: '/tmp/cutover-evil', type: 'file' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Bundle entry "/tmp/cutover-evil" has an absolute path');
  });

  it('refuses symlinks that leave the bundle', async () => {
    await expectRefused(tarArchive([ok, { name: 'link', type: 'symlink', target: '/etc' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Symbolic link "link" points to the absolute path "/etc"');
    await expectRefused(tarArchive([ok, { name: 'a/link', type: 'symlink', target: '../../x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Symbolic link "a/link" -> "../../x" resolves outside');
  });

  it('refuses a chain of links that only escapes when followed', async () => {
    // Each link looks harmless on its own: dot -> ".", up -> "dot/.." (= the parent of the root).
    await expectRefused(
      tarArchive([ok, { name: 'dot', type: 'symlink', target: '.' }, { name: 'up', type: 'symlink', target: 'dot/..' }]),
      'tar',
      'BUNDLE_UNSAFE_PATH',
      'Symbolic link "up" -> "dot/.." resolves outside',
    );
  });

  it('refuses to write through a symlink, even one that stays inside', async () => {
    await expectRefused(
      tarArchive([ok, { name: 'sub/', type: 'dir' }, { name: 'link', type: 'symlink', target: 'sub' }, { name: 'link/f', type: 'file' }]),
      'tar',
      'BUNDLE_UNSAFE_PATH',
      'Bundle entry "link/f" lies under "link", which is a symbolic link',
    );
  });

  it('refuses hard links out of the bundle or to files it does not contain', async () => {
    await expectRefused(tarArchive([ok, { name: 'h', type: 'hardlink', target: '../../etc/passwd' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Hard link "h" -> "../../etc/passwd" points outside');
    await expectRefused(tarArchive([ok, { name: 'h', type: 'hardlink', target: '/etc/passwd' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Hard link "h"');
    await expectRefused(tarArchive([ok, { name: 'h', type: 'hardlink', target: 'later' }, { name: 'later', type: 'file' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'must point to a regular file that appears earlier');
  });

  it('refuses a path written twice (a checked file swapped for a link)', async () => {
    await expectRefused(tarArchive([ok, { name: 'x', type: 'file' }, { name: 'x', type: 'symlink', target: 'appspec.yml' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'Bundle entry "x" appears more than once');
  });

  it('refuses devices and FIFOs', async () => {
    await expectRefused(tarArchive([ok, { name: 'null', type: 'chardev' }]), 'tar', 'BUNDLE_UNSUPPORTED_ENTRY', 'Bundle entry "null" is a CharacterDevice entry');
    await expectRefused(tarArchive([ok, { name: 'pipe', type: 'fifo' }]), 'tar', 'BUNDLE_UNSUPPORTED_ENTRY', '"pipe" is a FIFO entry');
  });

  it('stops a decompression bomb at the byte limit', async () => {
    const bomb = tgzArchive([ok, { name: 'zeros', type: 'file', content: Buffer.alloc(8 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectRefused(bomb, 'tgz', 'BUNDLE_TOO_LARGE', 'unpacks to more than 1048576 bytes');
  });

  it('stops at the entry limit', async () => {
    const many: TarEntrySpec[] = Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, type: 'file' }));
    await expectRefused(tarArchive(many), 'tar', 'BUNDLE_TOO_LARGE', 'more than 20 entries');
  });

  it('reports an archive that is not one as corrupt', async () => {
    await expectRefused(Buffer.from('this is not a tarball at all, just text that goes on for a while'), 'tgz', 'BUNDLE_CORRUPT', /not a readable archive/);
    await expectRefused(tgzArchive([ok]).subarray(0, 40), 'tgz', 'BUNDLE_CORRUPT', /not a readable archive/);
  });
});

describe('extractBundle: hostile zip archives', () => {
  const ok: ZipEntrySpec = { name: 'appspec.yml', content: 'version: 0.0\n' };

  it('refuses a ".." entry (zip-slip), also spelled with backslashes', async () => {
    await expectRefused(zipArchive([ok, { name: '../evil', content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'Bundle entry "../evil" contains a ".." component');
    await expectRefused(zipArchive([ok, { name: '..\\..\\evil', content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'Bundle entry "../../evil"');
  });

  it('refuses absolute paths, Unix and Windows', async () => {
    await expectRefused(zipArchive([{ name: '/tmp/cutover-evil', content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'has an absolute path');
    await expectRefused(zipArchive([{ name: 'C:/evil', content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', '"C:/evil" has an absolute path');
  });

  it('refuses symlinks that leave the bundle', async () => {
    const link = (name: string, target: string): ZipEntrySpec => ({ name, content: target, unixMode: S_IFLNK | 0o777 });
    await expectRefused(zipArchive([ok, link('link', '/etc')]), 'zip', 'BUNDLE_UNSAFE_PATH', 'Symbolic link "link" points to the absolute path "/etc"');
    await expectRefused(zipArchive([ok, link('a/link', '../../x')]), 'zip', 'BUNDLE_UNSAFE_PATH', 'Symbolic link "a/link" -> "../../x" resolves outside');
    await expectRefused(zipArchive([ok, link('link', 'sub'), { name: 'link/passwd', content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'lies under "link", which is a symbolic link');
  });

  it('refuses device entries', async () => {
    await expectRefused(zipArchive([ok, { name: 'dev', unixMode: 0o020666 }]), 'zip', 'BUNDLE_UNSUPPORTED_ENTRY', 'Bundle entry "dev" is a device');
  });

  it('stops a zip bomb at the byte limit before writing anything', async () => {
    const bomb = zipArchive([ok, { name: 'zeros', content: Buffer.alloc(8 * 1024 * 1024), deflate: true }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectRefused(bomb, 'zip', 'BUNDLE_TOO_LARGE', 'unpacks to more than 1048576 bytes');
  });

  it('stops at the entry limit', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
    await expectRefused(zipArchive(many), 'zip', 'BUNDLE_TOO_LARGE', 'has 21 entries; the limit for one revision is 20');
  });

  it('removes what it already wrote when an entry fails while writing', async () => {
    // The central directory is intact, so the listing passes; the last entry's data is not.
    const archive = zipArchive([ok, { name: 'a/first.txt', content: 'one' }, { name: 'last.txt', content: 'two' }]);
    const last = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    archive.writeUInt32LE(0xdeadbeef, last);
    await expectRefused(archive, 'zip', 'BUNDLE_CORRUPT', /not a readable zip archive: invalid local file header signature/);
  });

  it('reports a truncated zip as corrupt', async () => {
    await expectRefused(zipArchive([ok]).subarray(0, 50), 'zip', 'BUNDLE_CORRUPT', /not a readable zip archive/);
  });
});

describe('readBundleFile', () => {
  const appspec = 'version: 0.0\nos: linux\n';

  it('reads the appspec at the root of a tgz and of a zip', async () => {
    const tgz = await setup(tgzArchive([{ name: 'appspec.yml', type: 'file', content: appspec }, { name: 'big', type: 'file', content: 'x'.repeat(5000) }]));
    expect(await readBundleFile(tgz.file, 'tgz', 'appspec.yml', 1024)).toEqual({ content: Buffer.from(appspec), rootPrefix: '', fileName: 'appspec.yml' });
    const zip = await setup(zipArchive([{ name: 'appspec.yml', content: appspec, deflate: true }]));
    expect((await readBundleFile(zip.file, 'zip', 'appspec.yml', 1024))?.content.toString()).toBe(appspec);
  });

  it('applies the single-top-level-directory rule and reports the prefix', async () => {
    const { file } = await setup(tarArchive([{ name: 'app/', type: 'dir' }, { name: 'app/appspec.yaml', type: 'file', content: appspec }]));
    const found = await readBundleFile(file, 'tar', ['appspec.yml', 'appspec.yaml'], 1024);
    expect(found).toEqual({ content: Buffer.from(appspec), rootPrefix: 'app/', fileName: 'appspec.yaml' });
  });

  it('ignores an appspec that is not at the bundle root', async () => {
    const { file } = await setup(tarArchive([{ name: 'a/appspec.yml', type: 'file', content: appspec }, { name: 'b/x', type: 'file' }]));
    expect(await readBundleFile(file, 'tar', 'appspec.yml', 1024)).toBeUndefined();
  });

  it('refuses an appspec over the size limit and an unsafe bundle', async () => {
    const big = await setup(zipArchive([{ name: 'appspec.yml', content: 'x'.repeat(2000) }]));
    expect((await rejection(readBundleFile(big.file, 'zip', 'appspec.yml', 1024))).code).toBe('BUNDLE_TOO_LARGE');
    const evil = await setup(tarArchive([{ name: 'appspec.yml', type: 'file', content: appspec }, { name: 'l', type: 'symlink', target: '/etc' }]));
    expect((await rejection(readBundleFile(evil.file, 'tar', 'appspec.yml', 1024))).code).toBe('BUNDLE_UNSAFE_PATH');
  });
});
