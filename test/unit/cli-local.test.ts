/**
 * `cutover local` (codedeploy-local): the event-list rules, and the command run as a user runs
 * it — the sample app installed and started on this machine with the agent's own installer and
 * hook runner, a bundle with five different mistakes reported all at once with their lines, and
 * a failing hook's one-line verdict.
 */
import { describe, expect, it } from 'vitest';
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localEvents } from '../../cli/local/local-events.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT, until } from '../helpers/processes.js';
import { makeBundleDir, packDir } from '../helpers/bundles.js';
import { freePort } from '../helpers/system.js';

describe('local event lists (codedeploy-local rules)', () => {
  const run = (option?: string) => {
    const result = localEvents(option);
    return result.ok ? result.events.all : result.problems;
  };

  it('runs the whole in-place list with the traffic hooks by default; BlockTraffic/AllowTraffic are skipped', () => {
    const result = localEvents(undefined);
    expect(result.ok && result.events.all[0]).toBe('BeforeBlockTraffic');
    expect(result.ok && result.events.skipped).toEqual(['BlockTraffic', 'AllowTraffic']);
    expect(result.ok && result.events.run).not.toContain('BlockTraffic');
  });

  it('adds DownloadBundle and Install where they belong', () => {
    expect(run('AfterInstall')).toEqual(['DownloadBundle', 'Install', 'AfterInstall']);
    expect(run('ApplicationStop,BeforeInstall,ValidateService')).toEqual(['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'ValidateService']);
    expect(run('BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop')).toEqual(['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'Install']);
  });

  it('refuses unknown, repeated and misplaced events, all at once', () => {
    expect(run('Deploy,AfterInstall,AfterInstall')).toEqual([expect.stringContaining('unknown lifecycle event "Deploy"'), 'AfterInstall is listed twice']);
    expect(run('ValidateService,DownloadBundle')).toEqual([expect.stringContaining('ValidateService cannot run before DownloadBundle')]);
    expect(run('DownloadBundle,AfterInstall,Install')).toEqual(['AfterInstall cannot run before Install']);
  });
});

describe('cutover local', () => {
  it('installs and starts the sample app on this machine, then a second run stops it with the previous revision\'s script', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'cutover-local-'));
    const port = await freePort();
    const env = { APP_PORT: String(port) };
    const args = ['local', '-l', path.join(REPO_ROOT, 'examples', 'sample-app'), '--root', path.join(work, 'root'), '--install-root', path.join(work, 'fs'), '-a', 'sample'];
    const first = await runCli(args, env);
    try {
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      expect(first.stdout).toMatch(/BlockTraffic, AllowTraffic: no load balancer on this machine; skipped/);
      expect(first.stdout).toMatch(/- ApplicationStop Skipped/); // nothing installed before
      expect(first.stdout).toMatch(/✓ Install Succeeded/);
      expect(first.stdout).toMatch(/✓ ValidateService Succeeded/);
      expect(first.stdout.trim().split('\n').pop()).toMatch(/^AppSpec file valid\. Local deployment successful \(d-[A-Z0-9]{9}-local\)\.$/);
      const answer = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { app: string };
      expect(answer.app).toBe('cutover-sample');
      expect(await readFile(path.join(work, 'fs', 'opt', 'cutover-sample', 'server.js'), 'utf8')).toContain('cutover-sample');
    } finally {
      // ApplicationStop runs the scripts of the revision installed last in this root: it stops the server.
      const stop = await runCli([...args, '-e', 'ApplicationStop'], env);
      expect(stop.code, `${stop.stdout}\n${stop.stderr}`).toBe(0);
      expect(stop.stdout).toMatch(/✓ ApplicationStop Succeeded/);
    }
    await until('the sample app to stop', async () => (await fetch(`http://127.0.0.1:${port}/`).then(() => false, () => true)) || undefined, 15_000);
  });

  it('reports a bundle\'s five different mistakes at once, each with its line, and runs nothing', async () => {
    const dir = await makeBundleDir({
      files: { 'scripts/start.sh': '#!/bin/sh\necho start\n', 'scripts/check.sh': 'echo not executable\n' },
      appspec: [
        'version: 0.0', //                                   1
        'os: linux', //                                      2
        'files:', //                                         3
        '  - source: build/output', //                       4  the source does not exist
        '    destination: /opt/app', //                     5
        'permissions:', //                                   6
        '  - object: /opt/app', //                           7
        '    mode: 0758', //                                 8  not an octal mode
        'hooks:', //                                         9
        '  BeforeInstal:', //                                10 an unknown lifecycle event
        '    - location: scripts/start.sh', //               11
        '  AfterInstall:', //                                12
        '    - location: scripts/migrate.sh', //             13 the script is missing
        '  ApplicationStart:', //                            14
        '    - location: scripts/start.sh', //               15
        '      timeout: 5400', //                            16 over the 3600-second limit
        '  ValidateService:', //                             17
        '    - location: scripts/check.sh', //               18 not executable (a warning: the agent chmods it)
      ].join('\n'),
    });
    await chmod(path.join(dir, 'scripts', 'start.sh'), 0o755);
    const root = path.join(await mkdtemp(path.join(os.tmpdir(), 'cutover-local-')), 'root');
    const result = await runCli(['local', '-l', dir, '--root', root], {});
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    const reported = (line: number, text: RegExp) => expect(lines.some((l) => l.startsWith(`appspec.yml:${line}: error: `) && text.test(l)), `line ${line} ${text}\n${result.stdout}`).toBe(true);
    reported(4, /source "build\/output" does not exist in the bundle/);
    reported(8, /mode "0758" contains the digit 8/);
    reported(10, /unknown lifecycle event BeforeInstal/);
    reported(13, /script "scripts\/migrate.sh" does not exist in the bundle/);
    reported(16, /timeout 5400 is over the 3600-second maximum/);
    expect(lines.some((l) => l.startsWith('appspec.yml:18: warning: ') && /not executable/.test(l))).toBe(true);
    expect(lines.filter((l) => /: error: /.test(l))).toHaveLength(5);
    expect(lines.filter(Boolean).pop()).toMatch(/^ERROR: 5 problem\(s\) in .*; nothing was run\.$/);
    await expect(access(root)).rejects.toThrow(); // nothing ran, nothing was written
  });

  it('--validate-only checks an archive without running it; a wrong -t is a problem too', async () => {
    const archive = path.join(await mkdtemp(path.join(os.tmpdir(), 'cutover-local-')), 'bundle.tgz');
    await writeFile(archive, await packDir(path.join(REPO_ROOT, 'examples', 'sample-app')));
    const ok = await runCli(['local', '-l', archive, '-t', 'tgz', '--validate-only'], {});
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^AppSpec file valid\./m);
    const wrong = await runCli(['local', '-l', archive, '-t', 'zip', '--validate-only', '-e', 'Deploy'], {});
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('-t/--type: error: ');
    expect(wrong.stdout).toContain('-e/--events: error: unknown lifecycle event "Deploy"');
  });

  it('a failing hook ends with the event, the script and where its log is', async () => {
    const dir = await makeBundleDir({ hooks: { ValidateService: { script: 'echo "checking"; echo "it is broken" >&2; exit 3' } } });
    const work = await mkdtemp(path.join(os.tmpdir(), 'cutover-local-'));
    await mkdir(path.join(work, 'fs'));
    await cp(dir, path.join(work, 'bundle'), { recursive: true });
    const result = await runCli(['local', '-l', path.join(work, 'bundle'), '--root', path.join(work, 'root'), '--install-root', path.join(work, 'fs'), '-e', 'ValidateService'], {});
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[stderr]it is broken');
    expect(result.stdout).toMatch(/ERROR: ValidateService failed \(ScriptFailed\): Script at specified location: hooks\/ValidateService.sh failed with exit code 3/);
    expect(result.stdout).toContain('Script: hooks/ValidateService.sh');
    const log = /Log: (\S+)/.exec(result.stdout)![1];
    expect(await readFile(log, 'utf8')).toContain('it is broken');
  });
});
