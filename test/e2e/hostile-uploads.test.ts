/**
 * Hostile bundles and appspecs uploaded to a real api, with the bundle limits set through its
 * environment (CUTOVER_BUNDLE_MAX_*): each is a 4xx with {"error":{"code","message","details"}},
 * never a 500, and stores nothing: the Redis records and the artifact directory are compared
 * before and after every request.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { makeBundle } from '../helpers/bundles.js';
import { lyingZip, tinyEntriesTar, tinyEntriesZip } from '../helpers/hostile-archives.js';
import { connectRedis, isRecordKey, keysOf } from '../helpers/redis.js';
import { TestSystem } from '../helpers/system.js';
import { until } from '../helpers/processes.js';
import { tarArchive, tgzArchive, type TarEntrySpec } from '../helpers/tar-writer.js';
import { S_IFLNK, zipArchive } from '../helpers/zip-writer.js';

const APP = 'shop';
const APPSPEC = 'version: 0.0\nos: linux\n';
const MAX_ENTRIES = 1000;
const MAX_UNPACKED = 2 * 1024 * 1024;
const MAX_UPLOAD = 16 * 1024 * 1024;

let sys: TestSystem;
let redis: Redis;

beforeAll(async () => {
  sys = await TestSystem.start({
    label: 'hostile-uploads',
    env: {
      CUTOVER_BUNDLE_MAX_ENTRIES: String(MAX_ENTRIES),
      CUTOVER_BUNDLE_MAX_UNPACKED_BYTES: String(MAX_UNPACKED),
      CUTOVER_MAX_BUNDLE_BYTES: String(MAX_UPLOAD),
    },
  });
  redis = connectRedis(sys.redisUrl);
  await sys.rest.createApplication(APP);
  // The workers may still be seeding records at start-up; compare only once the store is quiet.
  let last = '';
  await until('the store to settle', async () => {
    const now = JSON.stringify([...(await snapshot()).keys]);
    const settled = now === last;
    last = now;
    return settled ? true : undefined;
  }, 20_000, 500);
});

afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
});

/** The store's records (BullMQ's bookkeeping and expiring keys left out) and every file under the data dir. */
async function snapshot(): Promise<{ keys: Map<string, string>; files: string[] }> {
  const keys = new Map<string, string>();
  for (const key of (await keysOf(redis, sys.prefix)).filter(isRecordKey)) {
    // Keys that expire (locks, rate-limit windows) come and go by themselves; records do not.
    // -1 is a key without expiry; -2 one that went away since it was listed.
    if ((await redis.pttl(key)) !== -1) continue;
    keys.set(key, ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('hex'));
  }
  // Files only: the (empty) staging directory is made by the first upload.
  const entries = await readdir(path.join(sys.dir, 'data'), { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name)).sort();
  return { keys, files };
}

/** Names the keys and files that changed, rather than two opaque maps. */
function expectUnchanged(before: Awaited<ReturnType<typeof snapshot>>, after: Awaited<ReturnType<typeof snapshot>>): void {
  const changed = [...new Set([...before.keys.keys(), ...after.keys.keys()])].filter((k) => before.keys.get(k) !== after.keys.get(k));
  expect({ changedKeys: changed, files: after.files }).toEqual({ changedKeys: [], files: before.files });
}

const tgz = (entries: TarEntrySpec[]): Buffer => tgzArchive([{ name: 'appspec.yml', type: 'file', content: APPSPEC }, ...entries]);
const appspecBundle = (appspec: string): Promise<Buffer> => makeBundle({ appspec });

let aliasBomb = `${APPSPEC}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
for (let i = 0, previous = 'a'; i < 9; previous = `l${i}`, i++) aliasBomb += `l${i}: &l${i} [${Array(10).fill(`*${previous}`).join(',')}]\n`;

type Case = [what: string, body: () => Buffer | Promise<Buffer>, status: number, code: string, message: RegExp, reason?: string];
const cases: Case[] = [
  ['zip-slip in a tgz', () => tgz([{ name: '../../evil', type: 'file', content: 'x' }]), 400, 'InvalidRevisionException', /"\.\.\/\.\.\/evil" contains a "\.\." component/, 'BUNDLE_UNSAFE_PATH'],
  ['zip-slip in a zip, with backslashes', () => zipArchive([{ name: 'appspec.yml', content: APPSPEC }, { name: '..\\..\\evil', content: 'x' }]), 400, 'InvalidRevisionException', /contains a "\.\." component/, 'BUNDLE_UNSAFE_PATH'],
  ['an absolute path', () => tarArchive([{ name: 'appspec.yml', type: 'file', content: APPSPEC }, { name: '/etc/cron.d/evil', type: 'file', content: 'x' }]), 400, 'InvalidRevisionException', /"\/etc\/cron\.d\/evil" has an absolute path/, 'BUNDLE_UNSAFE_PATH'],
  ['a tar symlink out of the bundle, written through', () => tgz([{ name: 'up', type: 'symlink', target: '../..' }, { name: 'up/evil', type: 'file', content: 'x' }]), 400, 'InvalidRevisionException', /"up"/, 'BUNDLE_UNSAFE_PATH'],
  ['a tar hard link to /etc/passwd', () => tgz([{ name: 'h', type: 'hardlink', target: '/etc/passwd' }]), 400, 'InvalidRevisionException', /Hard link "h" -> "\/etc\/passwd"/, 'BUNDLE_UNSAFE_PATH'],
  ['a zip symlink to an absolute path', () => zipArchive([{ name: 'appspec.yml', content: APPSPEC }, { name: 'l', content: '/etc', unixMode: S_IFLNK | 0o777 }]), 400, 'InvalidRevisionException', /points to the absolute path "\/etc"/, 'BUNDLE_UNSAFE_PATH'],
  ['a tgz bomb over the unpacked-size limit', () => tgz([{ name: 'zeros', type: 'file', content: Buffer.alloc(16 * 1024 * 1024) }]), 400, 'InvalidRevisionException', new RegExp(`unpacks to more than ${MAX_UNPACKED} bytes`), 'BUNDLE_TOO_LARGE'],
  ['a zip bomb that lies about its size', () => lyingZip('zeros', Buffer.alloc(16 * 1024 * 1024), 100), 400, 'InvalidRevisionException', /"zeros"/, 'BUNDLE_CORRUPT'],
  ['100,000 tiny entries in a tgz', () => tinyEntriesTar(100_000, true), 400, 'InvalidRevisionException', new RegExp(`more than ${MAX_ENTRIES} entries`), 'BUNDLE_TOO_LARGE'],
  ['100,000 tiny entries in a zip64', () => tinyEntriesZip(100_000), 400, 'InvalidRevisionException', new RegExp(`100001 entries; the limit for one revision is ${MAX_ENTRIES}`), 'BUNDLE_TOO_LARGE'],
  ['an appspec alias bomb', () => appspecBundle(aliasBomb), 400, 'InvalidRevisionException', /this looks like an alias bomb/],
  ['an appspec nested 10,000 deep', () => appspecBundle(`${APPSPEC}hooks: ${'['.repeat(10_000)}${']'.repeat(10_000)}`), 400, 'InvalidRevisionException', /nests more than 64 levels deep/],
  ['an appspec over 1 MiB', () => appspecBundle(`${APPSPEC}#${'x'.repeat(1024 * 1024)}`), 400, 'InvalidRevisionException', /bytes are accepted|at most 1048576 are accepted/],
  ['a body over the upload limit', () => randomBytes(MAX_UPLOAD + 1024), 413, 'PayloadTooLargeException', /larger than/],
];

describe('hostile uploads', () => {
  for (const [what, body, status, code, message, reason] of cases) {
    it(`${what} → ${status} ${code}, nothing stored`, async () => {
      onTestFailed(() => console.error(sys.logs()));
      const payload = await body();
      const before = await snapshot();
      const started = performance.now();
      const answer = await sys.rest.request('POST', `/v1/applications/${APP}/revisions`, payload, { 'content-type': 'application/octet-stream' });
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatchObject({ code, message: expect.stringMatching(message), details: expect.any(Object) });
      if (reason) expect(answer.body.error.details).toMatchObject({ reason });
      expectUnchanged(before, await snapshot());
    });
  }

  it('an upload cut off halfway stores nothing and is not a server error', async () => {
    const before = await snapshot();
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(`${sys.apiUrl}/v1/applications/${APP}/revisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sys.adminToken}`, 'content-type': 'application/gzip', 'content-length': String(1024 * 1024) },
      });
      req.on('error', () => resolve());
      req.write(randomBytes(64 * 1024), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    await until('the api to discard the staged upload', async () => {
      const after = await snapshot();
      return after.files.length === before.files.length ? true : undefined;
    }, 10_000);
    expectUnchanged(before, await snapshot());
    expect(sys.api?.log() ?? '').not.toMatch(/unhandled error/);
  });

  it('an honest bundle is still accepted, and nothing was registered before it', async () => {
    const { revisions } = await sys.rest.ok('GET', `/v1/applications/${APP}/revisions`);
    expect(revisions).toEqual([]);
    const digest = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'true' } } }));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });
});
