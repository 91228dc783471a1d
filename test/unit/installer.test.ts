import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupInstall, InstallError, installRevision, matchesSimpleGlob, type InstallRecord } from '../../agent/installer/index.js';
import { parseAppSpec, type AppSpec } from '../../shared/appspec/index.js';
import type { FileExistsBehavior } from '../../shared/domain/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('installer');

function spec(yaml: string): AppSpec {
  const parsed = parseAppSpec(`version: 0.0\nos: linux\n${yaml}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.appspec;
}

/** A bundle dir from {relative path: content}; a value starting with "->" makes a symlink. */
async function bundle(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    if (content.startsWith('->')) await symlink(content.slice(2), full);
    else await writeFile(full, content);
  }
  return dir;
}

async function install(
  archiveDir: string,
  appspec: AppSpec,
  root: string,
  opts: { behavior?: FileExistsBehavior; previous?: InstallRecord } = {},
): Promise<{ record: InstallRecord; log: string[] }> {
  const log: string[] = [];
  const record = await installRevision({
    archiveDir,
    appspec,
    installRoot: root,
    fileExistsBehavior: opts.behavior ?? 'DISALLOW',
    previous: opts.previous,
    log: (line) => log.push(line),
  });
  return { record, log };
}

async function failure(promise: Promise<unknown>): Promise<InstallError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InstallError);
  return err as InstallError;
}

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o7777;

describe('installRevision: copying files', () => {
  it('copies a file source to destination/<basename>, creating and recording missing ancestors', async () => {
    const archive = await bundle({ 'config/app.conf': 'port=80' });
    const root = await tempDir();
    await mkdir(path.join(root, 'etc'));
    const { record } = await install(archive, spec('files:\n  - source: config/app.conf\n    destination: /etc/myapp/conf.d\n'), root);
    expect(await readFile(path.join(root, 'etc/myapp/conf.d/app.conf'), 'utf8')).toBe('port=80');
    expect(record).toEqual({
      files: [path.join(root, 'etc/myapp/conf.d/app.conf')],
      dirs: [path.join(root, 'etc/myapp'), path.join(root, 'etc/myapp/conf.d')],
    });
  });

  it("copies a directory source's contents recursively, keeping symlinks as symlinks and modes", async () => {
    const archive = await bundle({ 'web/index.html': '<h1>', 'web/css/site.css': 'body{}', 'web/current': '->css', 'web/bin/run': '#!/bin/sh' });
    await chmod(path.join(archive, 'web/bin/run'), 0o755);
    const root = await tempDir();
    const { record } = await install(archive, spec('files:\n  - source: web\n    destination: /var/www\n'), root);
    const www = path.join(root, 'var/www');
    expect((await readdir(www)).sort()).toEqual(['bin', 'css', 'current', 'index.html']);
    expect((await lstat(path.join(www, 'current'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(www, 'current'))).toBe('css');
    expect(await modeOf(path.join(www, 'bin/run'))).toBe(0o755);
    expect(record.dirs).toEqual([path.join(root, 'var'), www, path.join(www, 'bin'), path.join(www, 'css')]);
    expect(record.files.sort()).toEqual(
      [path.join(www, 'bin/run'), path.join(www, 'css/site.css'), path.join(www, 'current'), path.join(www, 'index.html')].sort(),
    );
  });

  it('copies the whole bundle for source "/"', async () => {
    const archive = await bundle({ 'appspec.yml': 'version: 0.0', 'app/main.js': 'x' });
    const root = await tempDir();
    await install(archive, spec('files:\n  - source: /\n    destination: /opt/app\n'), root);
    expect((await readdir(path.join(root, 'opt/app'))).sort()).toEqual(['app', 'appspec.yml']);
  });

  it('maps every path under installRoot and writes nothing outside it', async () => {
    const archive = await bundle({ 'a.txt': 'a' });
    const parent = await tempDir();
    const root = path.join(parent, 'host-1');
    const { record } = await install(archive, spec('files:\n  - source: a.txt\n    destination: /srv\n'), root);
    expect(await readdir(parent)).toEqual(['host-1']);
    expect(record.files).toEqual([path.join(root, 'srv/a.txt')]);
    expect(record.dirs).toEqual([path.join(root, 'srv')]); // the root itself is not recorded
  });

  it('refuses two sources for one destination', async () => {
    const archive = await bundle({ 'a/x.txt': '1', 'b/x.txt': '2' });
    const root = await tempDir();
    const err = await failure(install(archive, spec('files:\n  - source: a/x.txt\n    destination: /d\n  - source: b/x.txt\n    destination: /d\n'), root));
    expect(err.code).toBe('DUPLICATE_TARGET');
    expect(err.message).toBe(
      `The deployment failed because the application specification file specifies two source files named b/x.txt and a/x.txt for the same destination (${path.join(root, 'd/x.txt')}).`,
    );
  });
});

describe('installRevision: file_exists_behavior', () => {
  async function withExisting(): Promise<{ archive: string; root: string; appspec: AppSpec; target: string }> {
    const archive = await bundle({ 'index.html': 'new', 'other.html': 'other' });
    const root = await tempDir();
    const target = path.join(root, 'var/www/index.html');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, 'old');
    return { archive, root, target, appspec: spec('files:\n  - source: /\n    destination: /var/www\n') };
  }

  it('DISALLOW fails with CodeDeploy\'s message before installing anything', async () => {
    const { archive, root, appspec, target } = await withExisting();
    const err = await failure(install(archive, appspec, root, { behavior: 'DISALLOW' }));
    expect(err.code).toBe('FILE_EXISTS');
    expect(err.message).toBe(`The deployment failed because a specified file already exists at this location: ${target}`);
    expect(err.record).toEqual({ files: [], dirs: [] });
    expect(await readdir(path.dirname(target))).toEqual(['index.html']);
    expect(await readFile(target, 'utf8')).toBe('old');
  });

  it('OVERWRITE replaces the file and records it as installed', async () => {
    const { archive, root, appspec, target } = await withExisting();
    const { record } = await install(archive, appspec, root, { behavior: 'OVERWRITE' });
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(record.files).toContain(target);
  });

  it('RETAIN keeps the existing file and does not record it', async () => {
    const { archive, root, appspec, target } = await withExisting();
    const { record, log } = await install(archive, appspec, root, { behavior: 'RETAIN' });
    expect(await readFile(target, 'utf8')).toBe('old');
    expect(record.files).toEqual([path.join(root, 'var/www/other.html')]);
    expect(log.some((l) => l.includes(`Kept the existing file ${target}`))).toBe(true);
  });
});

describe('installRevision: the previous revision', () => {
  it("removes the previous revision's files first, keeping files scripts created and their directories", async () => {
    const root = await tempDir();
    const appspec = spec('files:\n  - source: /\n    destination: /opt/app\n');
    const v1 = await bundle({ 'a.txt': 'v1', 'lib/old.js': 'v1', 'cache/x': 'v1' });
    const first = await install(v1, appspec, root);
    // A script of v1 wrote a file of its own in a directory v1 created.
    await writeFile(path.join(root, 'opt/app/cache/runtime.db'), 'data');

    const v2 = await bundle({ 'a.txt': 'v2', 'b.txt': 'v2' });
    const second = await install(v2, appspec, root, { previous: first.record });
    const app = path.join(root, 'opt/app');
    expect((await readdir(app)).sort()).toEqual(['a.txt', 'b.txt', 'cache']);
    expect(await readdir(path.join(app, 'cache'))).toEqual(['runtime.db']);
    expect(await readFile(path.join(app, 'a.txt'), 'utf8')).toBe('v2'); // no DISALLOW error: v1's copy was removed
    // cache/ holds the script's file, so it and its ancestors stay.
    expect(second.log.find((l) => l.includes('kept'))).toContain(`kept 3 directory(ies) that now hold files the previous revision did not install: ${path.join(app, 'cache')},`);
    // v2 did not create /opt/app (it survived because cache/ was kept), so it does not own it.
    expect(second.record.dirs).toEqual([]);
  });

  it('cleanupInstall removes directories deepest first, only when empty, and ignores what is gone', async () => {
    const root = await tempDir();
    const deep = path.join(root, 'a/b/c');
    await mkdir(deep, { recursive: true });
    await writeFile(path.join(deep, 'f'), '');
    await cleanupInstall({ files: [path.join(deep, 'f'), path.join(root, 'gone')], dirs: [path.join(root, 'a'), path.join(root, 'a/b'), deep] });
    expect(await readdir(root)).toEqual([]);
  });
});

describe('installRevision: permissions', () => {
  async function installed(permissions: string): Promise<{ root: string; app: string; record: InstallRecord; log: string[] }> {
    const archive = await bundle({ 'run.sh': '#!/bin/sh', 'skip.sh': '#!/bin/sh', 'readme.txt': 'r', 'lib/deep.sh': '#!/bin/sh', 'lib/sub/x.txt': 'x' });
    const root = await tempDir();
    const { record, log } = await install(archive, spec(`files:\n  - source: /\n    destination: /opt/app\npermissions:\n${permissions}`), root);
    return { root, app: path.join(root, 'opt/app'), record, log };
  }

  it('type file applies to every installed file below the object, not to directories', async () => {
    const { app } = await installed('  - object: /opt/app\n    mode: 640\n    type: [file]\n');
    expect(await modeOf(path.join(app, 'readme.txt'))).toBe(0o640);
    expect(await modeOf(path.join(app, 'lib/sub/x.txt'))).toBe(0o640);
    expect(await modeOf(path.join(app, 'lib'))).not.toBe(0o640);
    expect(await modeOf(app)).not.toBe(0o640);
  });

  it('type directory applies to installed directories below the object, not the object itself', async () => {
    const { app } = await installed('  - object: /opt/app\n    mode: "0750"\n    type:\n      - directory\n');
    expect(await modeOf(path.join(app, 'lib'))).toBe(0o750);
    expect(await modeOf(path.join(app, 'lib/sub'))).toBe(0o750);
    expect(await modeOf(path.join(app, 'readme.txt'))).not.toBe(0o750);
    expect(await modeOf(app)).not.toBe(0o750);
  });

  it('a pattern matches names directly inside the object, minus except', async () => {
    const { app } = await installed('  - object: /opt/app\n    pattern: "*.sh"\n    except: [skip.sh]\n    mode: 700\n    type: [file]\n');
    expect(await modeOf(path.join(app, 'run.sh'))).toBe(0o700);
    expect(await modeOf(path.join(app, 'skip.sh'))).not.toBe(0o700);
    expect(await modeOf(path.join(app, 'lib/deep.sh'))).not.toBe(0o700);
  });

  it('an installed file as object takes the entry itself, with a setuid bit kept after chown', async () => {
    const { app } = await installed('  - object: /opt/app/run.sh\n    mode: 4755\n    owner: root\n    type: [file]\n');
    expect(await modeOf(path.join(app, 'run.sh'))).toBe(0o4755);
  });

  it.runIf(process.getuid?.() === 0)('sets owner and group by name', async () => {
    const { app } = await installed('  - object: /opt/app/lib\n    owner: nobody\n    group: "65534"\n');
    const info = await stat(path.join(app, 'lib/sub/x.txt'));
    expect([info.uid, info.gid]).toEqual([65534, 65534]);
    expect((await stat(path.join(app, 'lib/sub'))).uid).toBe(65534);
    expect((await stat(path.join(app, 'lib'))).uid).not.toBe(65534); // the object itself is not included
  });

  it('fails on an owner that does not exist, keeping the record of what was installed', async () => {
    const err = await failure(installed('  - object: /opt/app\n    owner: no-such-user-cutover\n'));
    expect(err.code).toBe('UNKNOWN_OWNER');
    expect(err.message).toBe('The deployment failed because the owner no-such-user-cutover in the permissions section does not exist on this host.');
    expect(err.record.files.length).toBe(5);
  });

  it('refuses a pattern on an installed file and a path set twice', async () => {
    const pattern = await failure(installed('  - object: /opt/app/run.sh\n    pattern: "*.sh"\n    mode: 755\n'));
    expect(pattern.code).toBe('INVALID_PERMISSION');
    expect(pattern.message).toContain('with an invalid pattern (*.sh)');
    const twice = await failure(installed('  - object: /opt/app\n    mode: 644\n  - object: /opt/app/lib\n    mode: 600\n'));
    expect(twice.message).toMatch(/permissions setting for \(.*lib\/deep\.sh\) is specified more than once/);
  });

  it('logs acls and context as not supported', async () => {
    const { log } = await installed('  - object: /opt/app\n    acls: ["u:nobody:rw"]\n');
    expect(log.some((l) => l.includes('acls and context are not supported'))).toBe(true);
  });
});

describe('matchesSimpleGlob', () => {
  it.each([
    ['run.sh', '*.sh', true],
    ['run.sh', 'run*', true],
    ['run.sh', '*', true],
    ['run.sh', 'r*n.s*', true],
    ['run.sh', '*.txt', false],
    ['lib/run.sh', '*.sh', false],
    ['a.b', 'a?b', false],
  ])('%s ~ %s → %s', (name, glob, expected) => {
    expect(matchesSimpleGlob(name, glob)).toBe(expected);
  });
});
