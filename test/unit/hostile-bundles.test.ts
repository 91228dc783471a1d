/**
 * Hostile bundles, each refused with a clear BundleError both where the api inspects an upload
 * (readBundleFile) and where the agent unpacks (extractBundle), with nothing written outside the
 * target: the work directory is listed before and after, and a file beside the target that an
 * escape would overwrite is checked unchanged. Archives are made here: by node-tar where an
 * honest tool can make them, by the hand-written writers where none would.
 */
import { lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { BundleError, DEFAULT_MAX_ENTRIES, extractBundle, readBundleFile, type BundleLimits } from '../../shared/bundle/index.js';
import { ConfigError, loadBundleLimits, loadConfig } from '../../shared/config.js';
import type { BundleType } from '../../shared/domain/types.js';
import { lyingZip, paxNamedTar, paxRenamedTar, tinyEntriesTar, tinyEntriesZip } from '../helpers/hostile-archives.js';
import { tarArchive, tgzArchive, type TarEntrySpec } from '../helpers/tar-writer.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { S_IFLNK, zipArchive, type ZipEntrySpec } from '../helpers/zip-writer.js';

const tempDir = useTempDirs('hostile');
const SECRET = 'the host file an escape would overwrite\n';
const APPSPEC = 'version: 0.0\nos: linux\n';
const SMALL: BundleLimits = { maxBytes: 1024 * 1024, maxEntries: 1000 };

interface Work {
  work: string;
  file: string;
  dest: string;
}

/** work/ holds the archive, a secret file, and out/dest (the target, deep enough for ../../ to land in work/). */
async function workDir(): Promise<Work> {
  const work = await tempDir();
  await writeFile(path.join(work, 'secret'), SECRET);
  await mkdir(path.join(work, 'out', 'dest'), { recursive: true });
  return { work, file: path.join(work, 'archive'), dest: path.join(work, 'out', 'dest') };
}

async function listTree(root: string): Promise<string[]> {
  const names = await readdir(root, { recursive: true });
  return names.map((n) => n.split(path.sep).join('/')).sort();
}

async function refusal(promise: Promise<unknown>): Promise<BundleError> {
  const err = await promise.then(
    () => new Error('it was accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleError);
  return err as BundleError;
}

/**
 * Both readers refuse the archive with `code` and a message matching `message`; the work
 * directory holds exactly what it held before, the secret unchanged, the target empty.
 */
async function expectRefused(
  make: (work: string) => Buffer | Promise<Buffer>,
  type: BundleType,
  code: BundleError['code'],
  message: RegExp,
  limits: BundleLimits = SMALL,
): Promise<void> {
  const { work, file, dest } = await workDir();
  await writeFile(file, await make(work));
  const before = await listTree(work);

  const inspected = await refusal(readBundleFile(file, type, 'appspec.yml', 1024 * 1024, limits));
  expect({ code: inspected.code, message: inspected.message }).toMatchObject({ code, message: expect.stringMatching(message) });
  const unpacked = await refusal(extractBundle(file, type, dest, limits));
  expect({ code: unpacked.code, message: unpacked.message }).toMatchObject({ code, message: expect.stringMatching(message) });

  expect(await readdir(dest)).toEqual([]);
  expect(await listTree(work)).toEqual(before);
  expect(await readFile(path.join(work, 'secret'), 'utf8')).toBe(SECRET);
  expect((await lstat(path.join(work, 'secret'))).nlink).toBe(1);
}

const tarOf = (type: 'tar' | 'tgz', entries: TarEntrySpec[]): Buffer => (type === 'tar' ? tarArchive(entries) : tgzArchive(entries));
const appspecTar: TarEntrySpec = { name: 'appspec.yml', type: 'file', content: APPSPEC };
const appspecZip: ZipEntrySpec = { name: 'appspec.yml', content: APPSPEC };
const zipLink = (name: string, target: string): ZipEntrySpec => ({ name, content: target, unixMode: S_IFLNK | 0o777 });

describe('zip-slip and absolute paths', () => {
  for (const type of ['tar', 'tgz'] as const) {
    it(`${type}: ".." entries, plain and nested, and a pax header renaming an entry to one`, async () => {
      await expectRefused(() => tarOf(type, [appspecTar, { name: '../../secret', type: 'file', content: 'pwned' }]), type, 'BUNDLE_UNSAFE_PATH', /"\.\.\/\.\.\/secret" contains a "\.\." component/);
      await expectRefused(() => tarOf(type, [appspecTar, { name: 'a/b/../../../../secret', type: 'file', content: 'pwned' }]), type, 'BUNDLE_UNSAFE_PATH', /contains a "\.\." component/);
      const pax = paxRenamedTar('innocent.txt', '../../secret', 'pwned');
      await expectRefused(() => (type === 'tar' ? pax : gzipSync(pax)), type, 'BUNDLE_UNSAFE_PATH', /"\.\.\/\.\.\/secret" contains a "\.\." component/);
    });

    it(`${type}: an absolute path naming a file beside the target`, async () => {
      await expectRefused((work) => tarOf(type, [appspecTar, { name: path.join(work, 'secret'), type: 'file', content: 'pwned' }]), type, 'BUNDLE_UNSAFE_PATH', /has an absolute path/);
    });
  }

  it('zip: ".." entries, also with backslashes, and absolute paths', async () => {
    await expectRefused(() => zipArchive([appspecZip, { name: '../../secret', content: 'pwned' }]), 'zip', 'BUNDLE_UNSAFE_PATH', /"\.\.\/\.\.\/secret" contains a "\.\." component/);
    await expectRefused(() => zipArchive([appspecZip, { name: '..\\..\\secret', content: 'pwned' }]), 'zip', 'BUNDLE_UNSAFE_PATH', /"\.\.\/\.\.\/secret"/);
    await expectRefused((work) => zipArchive([appspecZip, { name: path.join(work, 'secret'), content: 'pwned' }]), 'zip', 'BUNDLE_UNSAFE_PATH', /has an absolute path/);
  });
});

describe('link escapes', () => {
  it('tar made by node-tar from a directory holding escaping symlinks', async () => {
    for (const [link, target] of [
      ['up', '../../..'],
      ['abs', '/etc'],
    ] as const) {
      await expectRefused(
        async (work) => {
          const src = path.join(work, 'src');
          await mkdir(src);
          await writeFile(path.join(src, 'appspec.yml'), APPSPEC);
          await symlink(target, path.join(src, link));
          const out = path.join(work, 'made.tgz');
          await tar.c({ gzip: true, cwd: src, portable: true, file: out }, ['appspec.yml', link]);
          const made = await readFile(out);
          // Only the archive is left behind: the tree listing must not count the sources.
          await rm(src, { recursive: true });
          await rm(out);
          return made;
        },
        'tgz',
        'BUNDLE_UNSAFE_PATH',
        new RegExp(`Symbolic link "${link}"`),
      );
    }
  });

  it('tar: a symlink out of the target, then a file written through it', async () => {
    await expectRefused(
      () => tarArchive([appspecTar, { name: 'up', type: 'symlink', target: '../..' }, { name: 'up/secret', type: 'file', content: 'pwned' }]),
      'tar',
      'BUNDLE_UNSAFE_PATH',
      /Symbolic link "up" -> "\.\.\/\.\." resolves outside|lies under "up"/,
    );
    await expectRefused(
      (work) => tarArchive([appspecTar, { name: 'abs', type: 'symlink', target: work }, { name: 'abs/secret', type: 'file', content: 'pwned' }]),
      'tar',
      'BUNDLE_UNSAFE_PATH',
      /points to the absolute path|lies under "abs"/,
    );
  });

  it('tar: hard links to a file outside, by relative and by absolute path, then overwritten', async () => {
    await expectRefused(() => tarArchive([appspecTar, { name: 'h', type: 'hardlink', target: '../../secret' }]), 'tar', 'BUNDLE_UNSAFE_PATH', /Hard link "h" -> "\.\.\/\.\.\/secret" points outside/);
    await expectRefused(
      (work) => tarArchive([appspecTar, { name: 'h', type: 'hardlink', target: path.join(work, 'secret') }, { name: 'h', type: 'file', content: 'pwned' }]),
      'tar',
      'BUNDLE_UNSAFE_PATH',
      // Either refusal is right: the link points outside, and the path is then written a second time.
      /Hard link "h" -> ".*secret" points outside|"h" appears more than once/,
    );
  });

  it('zip: symlinks out of the target, and a file written through one', async () => {
    await expectRefused(() => zipArchive([appspecZip, zipLink('up', '../..')]), 'zip', 'BUNDLE_UNSAFE_PATH', /Symbolic link "up" -> "\.\.\/\.\." resolves outside/);
    await expectRefused((work) => zipArchive([appspecZip, zipLink('abs', work), { name: 'abs/secret', content: 'pwned' }]), 'zip', 'BUNDLE_UNSAFE_PATH', /Symbolic link "abs" points to the absolute path/);
  });
});

describe('decompression bombs', () => {
  const zeros = Buffer.alloc(16 * 1024 * 1024);

  it('tgz: 16 MiB of zeros in a few KiB stops at the unpacked-size limit', async () => {
    const bomb = tgzArchive([appspecTar, { name: 'zeros', type: 'file', content: zeros }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectRefused(() => bomb, 'tgz', 'BUNDLE_TOO_LARGE', /unpacks to more than 1048576 bytes/);
  });

  it('zip: a deflated bomb, and one whose directory understates what its data inflates to', async () => {
    await expectRefused(() => zipArchive([appspecZip, { name: 'zeros', content: zeros, deflate: true }]), 'zip', 'BUNDLE_TOO_LARGE', /unpacks to more than 1048576 bytes/);
    // The claim (100 bytes) is well inside the limit; only inflating the data shows the lie.
    await expectRefused(() => lyingZip('zeros', zeros, 100), 'zip', 'BUNDLE_CORRUPT', /"zeros"|too many bytes/);
  });
});

describe('names', () => {
  it('a name over PATH_MAX or a component over NAME_MAX is refused', async () => {
    await expectRefused(() => paxNamedTar([`${'d/'.repeat(2100)}f`]), 'tar', 'BUNDLE_UNSAFE_PATH', /has a name of more than 4096 bytes/);
    await expectRefused(() => zipArchive([appspecZip, { name: `${'n'.repeat(300)}.txt`, content: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', /a path component of more than 255 bytes/);
  });

  it('a path nested more than 64 levels, and directories implied past the entry limit, are refused', async () => {
    await expectRefused(() => paxNamedTar([`${'a/'.repeat(65)}f`]), 'tar', 'BUNDLE_UNSUPPORTED_ENTRY', /nested more than 64 levels deep/);
    // 40 entries, but each implies 30 directories of its own: 1,240 paths on the host, over 1,000.
    const implied = Array.from({ length: 40 }, (_, i) => ({ name: `x${i}/${'d/'.repeat(29)}f`, content: 'x' }));
    await expectRefused(() => zipArchive([appspecZip, ...implied]), 'zip', 'BUNDLE_TOO_LARGE', /would create more than 1000 files and directories/);
  });

  it('names adding up to more than 16 MiB stop the listing (memory, not disk)', async () => {
    const names = Array.from({ length: 4300 }, (_, i) => `${String(i).padStart(5, '0')}/${'n'.repeat(250)}/${'m'.repeat(250)}/`.repeat(8).slice(0, 4000));
    const archive = gzipSync(paxNamedTar(names), { level: 1 });
    await expectRefused(() => archive, 'tgz', 'BUNDLE_TOO_LARGE', /entry names add up to more than 16777216 bytes/, { maxEntries: 10_000, maxBytes: 1024 ** 3 });
  });
});

describe('100,000 tiny entries', () => {
  const cases: [BundleType, () => Buffer][] = [
    ['tar', () => tinyEntriesTar(100_000, false)],
    ['tgz', () => tinyEntriesTar(100_000, true)],
    ['zip', () => tinyEntriesZip(100_000)],
  ];
  for (const [type, make] of cases) {
    it(`${type}: refused at the default entry limit (${DEFAULT_MAX_ENTRIES}) within seconds`, async () => {
      const archive = make();
      const started = performance.now();
      await expectRefused(() => archive, type, 'BUNDLE_TOO_LARGE', new RegExp(`${DEFAULT_MAX_ENTRIES}`), {});
      // Bounded, not fast: seconds on an idle machine; the bound leaves room for a loaded 2-core CI.
      expect(performance.now() - started).toBeLessThan(60_000);
    });
  }

  it('with the limit raised, the upload check reads all 100,001 entries in bounded time', async () => {
    const { file } = await workDir();
    await writeFile(file, tinyEntriesTar(100_000, true));
    const started = performance.now();
    const found = await readBundleFile(file, 'tgz', 'appspec.yml', 1024 * 1024, { maxEntries: 200_000 });
    expect(found?.content.toString()).toBe(APPSPEC);
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('bundle limits are configuration', () => {
  it('the api config and the agent read the same variables, with the same defaults', () => {
    expect(loadConfig({}).bundleLimits).toEqual(loadBundleLimits({}));
    expect(loadBundleLimits({})).toEqual({ maxEntries: 50_000, maxBytes: 4 * 1024 ** 3 });
    const env = { CUTOVER_BUNDLE_MAX_ENTRIES: '10', CUTOVER_BUNDLE_MAX_UNPACKED_BYTES: '2048' };
    expect(loadConfig(env).bundleLimits).toEqual({ maxEntries: 10, maxBytes: 2048 });
    expect(loadBundleLimits(env)).toEqual({ maxEntries: 10, maxBytes: 2048 });
  });

  it('reports bad values at start-up', () => {
    expect(() => loadBundleLimits({ CUTOVER_BUNDLE_MAX_ENTRIES: '0', CUTOVER_BUNDLE_MAX_UNPACKED_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ CUTOVER_BUNDLE_MAX_ENTRIES: '-5' })).toThrow(/CUTOVER_BUNDLE_MAX_ENTRIES/);
  });
});
