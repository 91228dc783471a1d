/**
 * Hostile appspecs: YAML that would take unbounded time or memory is refused quickly with a
 * clear problem (alias bombs, huge documents, deep nesting, maps of thousands of keys); and an
 * appspec asking for runas users or files destinations outside the host's allowance is refused
 * by the allowance check, the installer (before writing, also through links) and the hook runner.
 */
import { mkdir, readdir, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allowanceViolations,
  agentUser,
  HostConfigError,
  InstallError,
  installRevision,
  loadHostAllowance,
  type HostAllowance,
} from '../../agent/installer/index.js';
import { runHookScript } from '../../agent/hooks/index.js';
import { loadAppSpec } from '../../agent/events/load-appspec.js';
import { parseAppSpec, type AppSpec } from '../../shared/appspec/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('hostile-appspec');
const HEAD = 'version: 0.0\nos: linux\n';

/** Parses and returns the problems with the time it took; the document must be refused. */
function refused(text: string): { messages: string[]; ms: number } {
  const started = performance.now();
  const result = parseAppSpec(text);
  const ms = performance.now() - started;
  expect(result.ok).toBe(false);
  return { messages: result.ok ? [] : result.problems.map((p) => p.message), ms };
}

function spec(yaml: string): AppSpec {
  const parsed = parseAppSpec(`${HEAD}${yaml}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.appspec;
}

describe('YAML that would not end', () => {
  it('a billion laughs: nine levels of ten aliases each is refused before expanding', () => {
    let text = `${HEAD}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
    let previous = 'a';
    for (let i = 0; i < 9; i++) {
      text += `l${i}: &l${i} [${Array(10).fill(`*${previous}`).join(',')}]\n`;
      previous = `l${i}`;
    }
    text += `hooks:\n  AfterInstall:\n    - location: *l8\n`;
    const { messages, ms } = refused(text);
    expect(messages).toEqual(['the YAML aliases expand too much (more than 100 alias expansions); this looks like an alias bomb']);
    expect(ms).toBeLessThan(1000);
  });

  it('a document over 1 MiB is refused without being parsed', () => {
    const { messages, ms } = refused(`${HEAD}hooks:\n${'  # padding\n'.repeat(100_000)}`);
    expect(messages).toEqual([expect.stringMatching(/^the appspec is \d+ bytes; at most 1048576 bytes are accepted$/)]);
    expect(ms).toBeLessThan(500);
  });

  it('deep nesting, flow and block, is refused with a clear message instead of a stack overflow', () => {
    const deep = 'the appspec nests more than 64 levels deep; a real appspec needs about 5';
    const flow = refused(`${HEAD}hooks: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(flow.messages).toEqual([deep]);
    const compact = refused(`${'- '.repeat(15_000)}x\n`);
    expect(compact.messages).toEqual([deep]);
    let block = `${HEAD}hooks:\n`;
    for (let i = 1; i <= 200; i++) block += `${' '.repeat(i)}k${i}:\n`;
    expect(refused(block).messages).toEqual([deep]);
    expect(flow.ms + compact.ms).toBeLessThan(3000);
  });

  it('too many values, or a map of thousands of keys, stays fast and reports a bounded list', () => {
    const files = `${HEAD}files:\n${Array.from({ length: 5000 }, (_, i) => `  - source: a${i}\n    destination: /srv/x`).join('\n')}\n`;
    const many = refused(files);
    expect(many.messages).toEqual(['the appspec has more than 20000 YAML values; a real appspec has a few hundred']);
    expect(many.ms).toBeLessThan(2000);

    // 9,000 keys in one map: under the value limit, each an unknown event. yaml's own duplicate-key
    // check is quadratic (seconds here); ours is linear, and 9,000 problems become 100 and a count.
    const keys = refused(`${HEAD}hooks:\n${Array.from({ length: 9000 }, (_, i) => `  k${i}: 1`).join('\n')}\n`);
    expect(keys.messages).toHaveLength(101);
    expect(keys.messages.at(-1)).toBe('…and 8900 more problem(s) not listed');
    expect(keys.ms).toBeLessThan(3000);
  });

  it('duplicate keys are still refused, with their line', () => {
    const result = parseAppSpec(`${HEAD}hooks:\n  AfterInstall: []\n  AfterInstall: []\n`);
    expect(result).toMatchObject({ ok: false, problems: [{ path: '', line: 5, message: 'invalid YAML: Map keys must be unique' }] });
  });

  it('the agent reads a named appspec of gigabytes (which the api never saw) without loading it', async () => {
    const dir = await tempDir();
    const custom = path.join(dir, 'custom-appspec.yml');
    await writeFile(custom, HEAD);
    await truncate(custom, 3 * 1024 ** 3); // sparse: no disk used
    const started = performance.now();
    expect(await loadAppSpec(dir, 'custom-appspec.yml')).toEqual({ ok: false, message: 'The appspec is 3221225472 bytes; at most 1048576 bytes are accepted.' });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('a huge scalar is quoted in a message only in part', () => {
    const { messages } = refused(`${HEAD}hooks: "${'x'.repeat(500_000)}"\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.length).toBeLessThan(300);
  });
});

describe('the host allowance: runas users and files destinations', () => {
  const allowance: HostAllowance = { runas: ['deploy', agentUser()], destinations: ['/srv/app', '/opt/tools/'] };

  it('names every destination and runas user outside the allowance', () => {
    const appspec = spec(
      [
        'files:',
        '  - {source: web, destination: /srv/app/web}',
        '  - {source: cfg, destination: /srv/application}',
        '  - {source: cron, destination: /etc/cron.d}',
        '  - {source: bin, destination: /opt/tools}',
        'hooks:',
        '  BeforeInstall:',
        '    - {location: a.sh, runas: deploy}',
        '    - {location: b.sh, runas: mallory}',
        '  AfterInstall:',
        '    - {location: c.sh}',
      ].join('\n'),
    );
    const problems = allowanceViolations(appspec, allowance);
    expect(problems).toEqual([
      'files destination /srv/application (source cfg) is outside the allowed destinations (/srv/app, /opt/tools/)',
      'files destination /etc/cron.d (source cron) is outside the allowed destinations (/srv/app, /opt/tools/)',
      'BeforeInstall script b.sh would run as runas mallory, which is not an allowed runas user (deploy, ' + agentUser() + ')',
    ]);
    // A hook without runas runs as the agent's user, which must be listed too.
    expect(allowanceViolations(spec('hooks:\n  AfterInstall:\n    - {location: c.sh}'), { runas: ['deploy'] })).toEqual([
      `AfterInstall script c.sh would run as the agent's user ${agentUser()} (no runas), which is not an allowed runas user (deploy)`,
    ]);
    // ".." cannot climb out of an allowed directory: the appspec's paths are normalised first.
    expect(allowanceViolations(spec('files:\n  - {source: x, destination: /srv/app/../../etc}'), allowance)).toHaveLength(1);
    expect(allowanceViolations(appspec, undefined)).toEqual([]);
    expect(allowanceViolations(appspec, { destinations: ['/'] })).toEqual([]);
  });

  it('Install refuses a destination outside the allowance before removing or writing anything', async () => {
    const root = await tempDir();
    const archive = await tempDir();
    await writeFile(path.join(archive, 'evil'), 'x');
    const err = await installRevision({
      archiveDir: archive,
      appspec: spec('files:\n  - {source: evil, destination: /etc/cron.d}'),
      installRoot: root,
      fileExistsBehavior: 'DISALLOW',
      previous: { files: [path.join(root, 'srv/app/old')], dirs: [] },
      log: () => undefined,
      allowance,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect(err).toMatchObject({ code: 'NOT_ALLOWED', message: expect.stringContaining('/etc/cron.d') });
    expect(await readdir(root)).toEqual([]);
  });

  it('Install refuses to write through a link that leads out of an allowed directory', async () => {
    const root = await tempDir();
    const archive = await tempDir();
    await mkdir(path.join(archive, 'web'), { recursive: true });
    await writeFile(path.join(archive, 'web', 'index.html'), 'x');
    // On the host, /srv/app/web is a link to /etc (an earlier revision's, or the host's own).
    await mkdir(path.join(root, 'srv', 'app'), { recursive: true });
    await mkdir(path.join(root, 'etc'));
    await symlink(path.join(root, 'etc'), path.join(root, 'srv', 'app', 'web'));
    const err = await installRevision({
      archiveDir: archive,
      appspec: spec('files:\n  - {source: web, destination: /srv/app/web}'),
      installRoot: root,
      fileExistsBehavior: 'DISALLOW',
      log: () => undefined,
      allowance: { destinations: ['/srv/app'] },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_ALLOWED', message: expect.stringMatching(/index\.html resolves to .*\/etc\/index\.html, outside the destinations/) });
    expect(await readdir(path.join(root, 'etc'))).toEqual([]);

    // Without the link the same revision installs, creating the directories on the way.
    const clean = await tempDir();
    const record = await installRevision({
      archiveDir: archive,
      appspec: spec('files:\n  - {source: web, destination: /srv/app/web}'),
      installRoot: clean,
      fileExistsBehavior: 'DISALLOW',
      log: () => undefined,
      allowance: { destinations: ['/srv/app'] },
    });
    expect(record.files).toEqual([path.join(clean, 'srv/app/web/index.html')]);
  });

  it('Install refuses to install a bundle link that would lead out of the allowed directories', async () => {
    const archive = await tempDir();
    await mkdir(path.join(archive, 'web'));
    await writeFile(path.join(archive, 'outside'), 'x');
    // Inside the bundle (web/.. is its root), but installed at /srv/app/l it means /srv/outside.
    await symlink('../outside', path.join(archive, 'web', 'l'));
    const install = async (destination: string) => {
      const root = await tempDir();
      const result = await installRevision({
        archiveDir: archive,
        appspec: spec(`files:\n  - {source: web, destination: ${destination}}`),
        installRoot: root,
        fileExistsBehavior: 'DISALLOW',
        log: () => undefined,
        allowance: { destinations: ['/srv/app'] },
      }).catch((e: unknown) => e);
      return { root, result };
    };
    const out = await install('/srv/app');
    expect(out.result).toMatchObject({ code: 'NOT_ALLOWED', message: expect.stringMatching(/symbolic link .*\/srv\/app\/l -> \.\.\/outside would lead to .*\/srv\/outside, outside/) });
    expect(await readdir(path.join(out.root, 'srv', 'app'))).toEqual([]);
    // One level down, the same link stays inside /srv/app and is installed.
    const inside = await install('/srv/app/web');
    expect(inside.result).toMatchObject({ files: [path.join(inside.root, 'srv/app/web/l')] });
  });

  it('the hook runner refuses a runas user the host does not allow (the previous revision\'s scripts too)', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'stop.sh'), '#!/bin/sh\ntouch ran\n', { mode: 0o755 });
    const result = await runHookScript({
      scriptPath: path.join(dir, 'stop.sh'),
      location: 'stop.sh',
      cwd: dir,
      env: {},
      timeoutSeconds: 10,
      runas: 'mallory',
      allowedRunas: ['deploy'],
      onOutput: () => undefined,
    });
    expect(result).toEqual({
      errorCode: 'UnknownError',
      message: 'Script at specified location: stop.sh would run as user mallory, which this host does not allow (allowed: deploy)',
    });
    expect(await readdir(dir)).toEqual(['stop.sh']);
  });

  it('the host config: flags, a YAML or JSON file, flags overriding the file, every mistake reported', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'host.yml');
    await writeFile(file, 'allowedRunas: [deploy]\nallowedDestinations:\n  - /srv/app/\n');
    expect(await loadHostAllowance({ file })).toEqual({ runas: ['deploy'], destinations: ['/srv/app/'] });
    expect(await loadHostAllowance({ file, allowedRunas: 'www-data, deploy' })).toEqual({ runas: ['www-data', 'deploy'], destinations: ['/srv/app/'] });
    expect(await loadHostAllowance({ allowedDestinations: '/opt/x' })).toEqual({ destinations: ['/opt/x'] });
    expect(await loadHostAllowance({})).toBeUndefined();

    const json = path.join(dir, 'host.json');
    await writeFile(json, JSON.stringify({ allowedRunas: ['ok', 'bad user'], allowedDestinations: ['relative'], extra: 1 }));
    const err = await loadHostAllowance({ file: json, allowedDestinations: '/srv/../etc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/allowedRunas\.1 is not a valid user name/);
    expect(message).toMatch(/allowedDestinations\.0 must be an absolute path/);
    expect(message).toMatch(/Unrecognized key.*extra/);
    expect(message).toMatch(/--allowed-destinations: "\/srv\/\.\.\/etc" must be an absolute path without "\.\."/);
  });
});
