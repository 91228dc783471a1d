import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findAppSpecFile,
  parseAppSpec,
  parseMode,
  validateAppSpecAgainstBundle,
  type AppSpec,
  type AppSpecProblem,
} from '../../shared/appspec/index.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('appspec');

function valid(text: string): AppSpec {
  const result = parseAppSpec(text);
  if (!result.ok) throw new Error(`expected a valid appspec, got ${JSON.stringify(result.problems, null, 2)}`);
  return result.appspec;
}

function problems(text: string): AppSpecProblem[] {
  const result = parseAppSpec(text);
  if (result.ok) throw new Error('expected problems, the appspec parsed');
  return result.problems;
}

/** Lines joined with "\n"; keeps line numbers in the tests easy to count. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('parseAppSpec: valid files', () => {
  it('accepts the minimal appspec', () => {
    const appspec = valid(yaml('version: 0.0', 'os: linux'));
    expect({ ...appspec, sourceLines: undefined }).toEqual({
      version: '0.0',
      os: 'linux',
      files: [],
      permissions: [],
      hooks: {},
      sourceLines: undefined,
    });
  });

  it('normalizes a full appspec', () => {
    const appspec = valid(
      yaml(
        'version: "0.0"',
        'os: linux',
        'files:',
        '  - source: /',
        '    destination: /var/www/html/',
        '  - source: config/app.conf',
        '    destination: /etc/myapp',
        'file_exists_behavior: OVERWRITE',
        'permissions:',
        '  - object: /var/www/html',
        '    pattern: "*.html"',
        '    except: [secret.html]',
        '    owner: www-data',
        '    group: www-data',
        '    mode: 644',
        '    type:',
        '      - file',
        '  - object: /var/www/html/cgi',
        '    mode: "4755"',
        '  - object: /etc/myapp',
        '    mode: 0o750',
        '    acls: ["u:bob:rw"]',
        '    context: {name: unconfined_u, type: httpd_sys_content_t, range: s0}',
        'hooks:',
        '  ApplicationStop:',
        '  BeforeInstall:',
        '    - location: scripts/stop.sh',
        '      timeout: 300',
        '      runas: root',
        '    - location: scripts/deps.sh',
        '  ValidateService:',
        '    - location: scripts/check.sh',
        '      timeout: "60"',
      ),
    );
    expect(appspec.files).toEqual([
      { source: '/', destination: '/var/www/html' },
      { source: 'config/app.conf', destination: '/etc/myapp' },
    ]);
    expect(appspec.fileExistsBehavior).toBe('OVERWRITE');
    expect(appspec.permissions).toEqual([
      {
        object: '/var/www/html',
        pattern: '*.html',
        except: ['secret.html'],
        owner: 'www-data',
        group: 'www-data',
        mode: 0o644,
        type: ['file'],
      },
      { object: '/var/www/html/cgi', pattern: '**', except: [], mode: 0o4755, type: ['file', 'directory'] },
      {
        object: '/etc/myapp',
        pattern: '**',
        except: [],
        mode: 0o750,
        acls: ['u:bob:rw'],
        context: { name: 'unconfined_u', type: 'httpd_sys_content_t', range: 's0' },
        type: ['file', 'directory'],
      },
    ]);
    expect(appspec.hooks).toEqual({
      BeforeInstall: [
        { location: 'scripts/stop.sh', timeoutSeconds: 300, runas: 'root' },
        { location: 'scripts/deps.sh', timeoutSeconds: 3600 },
      ],
      ValidateService: [{ location: 'scripts/check.sh', timeoutSeconds: 60 }],
    });
    expect(appspec.sourceLines?.['hooks.BeforeInstall[1].location']).toBe(30);
  });
});

describe('parseAppSpec: problems', () => {
  it('reports every problem at once, each with its path and line', () => {
    const found = problems(
      yaml(
        'version: 1.0', //                      1
        'os: linux', //                         2
        'files:', //                            3
        '  - source: app', //                   4  (no destination)
        '  - source: web', //                   5
        '    destination: var/www', //          6
        'permissions:', //                      7
        '  - object: /var/www', //              8
        '    mode: 648', //                     9
        'hooks:', //                            10
        '  AfterInstal:', //                    11
        '    - location: a.sh', //              12
        '  AfterInstall:', //                   13
        '    - timeout: 30', //                 14 (no location)
        '    - location: b.sh', //              15
        '      timeout: 7200', //               16
      ),
    );
    expect(found).toEqual([
      { path: 'version', line: 1, message: 'version must be 0.0 (got 1.0)' },
      { path: 'files[0].destination', line: 4, message: 'destination is required' },
      { path: 'files[1].destination', line: 6, message: 'destination "var/www" must be an absolute path (start with "/")' },
      { path: 'permissions[0].mode', line: 9, message: 'mode "648" contains the digit 8; octal digits are 0 to 7' },
      { path: 'hooks.AfterInstal', line: 11, message: 'unknown lifecycle event AfterInstal' },
      { path: 'hooks.AfterInstall[0].location', line: 14, message: 'location is required' },
      { path: 'hooks.AfterInstall[1].timeout', line: 16, message: 'timeout 7200 is over the 3600-second maximum for a lifecycle event' },
    ]);
  });

  it.each([
    ['12345', 'mode "12345" has 5 digits; a mode has one to four octal digits'],
    ['"u+x"', 'mode "u+x" is not octal digits; write it like 644 or "0755" (symbolic modes are not supported)'],
    ['"0959"', 'mode "0959" contains the digit 9; octal digits are 0 to 7'],
  ])('rejects mode %s', (mode, message) => {
    expect(problems(yaml('version: 0.0', 'os: linux', 'permissions:', '  - object: /x', `    mode: ${mode}`))).toEqual([
      { path: 'permissions[0].mode', line: 5, message },
    ]);
  });

  it('rejects an alias bomb without expanding it', () => {
    const bomb = yaml(
      'version: 0.0',
      'os: linux',
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    );
    expect(problems(bomb)).toEqual([
      { path: '', message: 'the YAML aliases expand too much (more than 100 alias expansions); this looks like an alias bomb' },
    ]);
  });

  it('rejects text over 1 MB', () => {
    const [problem] = problems(`version: 0.0\nos: linux\n#${'x'.repeat(1024 * 1024)}\n`);
    expect(problem?.path).toBe('');
    expect(problem?.message).toMatch(/at most 1048576 bytes are accepted/);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problems(yaml('version: 0.0', 'os: linux', 'hooks: [', '  oops'));
    expect(problem?.path).toBe('');
    expect(problem?.message).toMatch(/^invalid YAML: /);
    expect(problem?.line).toBeGreaterThanOrEqual(3);
    expect(problems(yaml('version: 0.0', 'os: linux', 'os: linux'))).toEqual([
      { path: '', line: 3, message: 'invalid YAML: Map keys must be unique' },
    ]);
  });

  it('rejects windows, unknown keys, built-in events, duplicate files and event timeouts over an hour', () => {
    const found = problems(
      yaml(
        'version: 0.0',
        'os: windows',
        'resources: []',
        'files:',
        '  - source: a',
        '    destination: /a',
        '  - source: a',
        '    destination: /a/',
        'hooks:',
        '  Install:',
        '    - location: i.sh',
        '  ApplicationStart:',
        '    - location: one.sh',
        '      timeout: 1800',
        '    - location: two.sh',
        '      timeout: 1801',
        '      sudo: true',
      ),
    );
    expect(found).toEqual([
      { path: 'resources', line: 3, message: 'unknown key "resources" (expected one of: version, os, files, file_exists_behavior, permissions, hooks)' },
      { path: 'os', line: 2, message: 'only linux hosts are supported (os: windows)' },
      { path: 'files[1]', line: 7, message: 'this entry repeats files[0] (same source and destination)' },
      { path: 'hooks.Install', line: 10, message: 'unknown lifecycle event Install (Install is run by Cutover itself and cannot have scripts)' },
      { path: 'hooks.ApplicationStart[1].sudo', line: 17, message: 'unknown key "sudo" (expected one of: location, timeout, runas)' },
      {
        path: 'hooks.ApplicationStart',
        line: 12,
        message: "the timeouts of ApplicationStart's scripts add up to 3601 seconds; one lifecycle event may take at most 3600 seconds",
      },
    ]);
  });

  it('rejects paths that climb out of the bundle and bad types', () => {
    const found = problems(
      yaml('version: 0.0', 'os: linux', 'files:', '  - source: ../etc', '    destination: /x', 'hooks:', '  BeforeInstall:', '    - location: /../../bin/sh', '      timeout: -5', '      runas: "bob; rm -rf /"'),
    );
    expect(found.map((p) => [p.path, p.line])).toEqual([
      ['files[0].source', 4],
      ['hooks.BeforeInstall[0].location', 8],
      ['hooks.BeforeInstall[0].timeout', 9],
      ['hooks.BeforeInstall[0].runas', 10],
    ]);
    expect(problems('')).toEqual([{ path: '', message: 'the appspec is empty; it needs at least version: 0.0 and os: linux' }]);
    expect(problems('- a\n- b\n')[0]?.message).toMatch(/must be a YAML map/);
  });
});

describe('parseMode', () => {
  it('reads the written digits as octal, whatever YAML made of them', () => {
    expect(parseMode(644, '644')).toEqual({ ok: true, mode: 0o644 });
    expect(parseMode(644, '0644')).toEqual({ ok: true, mode: 0o644 });
    expect(parseMode(420, '0o644')).toEqual({ ok: true, mode: 0o644 });
    expect(parseMode('0755')).toEqual({ ok: true, mode: 0o755 });
    expect(parseMode(44)).toEqual({ ok: true, mode: 0o44 });
    expect(parseMode(true).ok).toBe(false);
  });
});

describe('findAppSpecFile', () => {
  it('prefers appspec.yml, then appspec.yaml, or takes the given name only', () => {
    expect(findAppSpecFile(['appspec.yaml', 'appspec.yml'])).toBe('appspec.yml');
    expect(findAppSpecFile(['x', 'appspec.yaml'])).toBe('appspec.yaml');
    expect(findAppSpecFile(['README.md'])).toBeUndefined();
    expect(findAppSpecFile(['appspec.yml', 'deploy.yml'], 'deploy.yml')).toBe('deploy.yml');
    expect(findAppSpecFile(['appspec.yml'], 'deploy.yml')).toBeUndefined();
  });
});

describe('validateAppSpecAgainstBundle', () => {
  it('checks sources and scripts against the unpacked bundle, with lines', async () => {
    const bundle = await tempDir();
    await mkdir(path.join(bundle, 'scripts/dir'), { recursive: true });
    await writeFile(path.join(bundle, 'scripts/ok.sh'), '#!/bin/sh\n');
    await chmod(path.join(bundle, 'scripts/ok.sh'), 0o755);
    await writeFile(path.join(bundle, 'scripts/plain.sh'), '#!/bin/sh\n');
    await chmod(path.join(bundle, 'scripts/plain.sh'), 0o644);
    await symlink('/bin/sh', path.join(bundle, 'scripts/escape.sh'));
    const appspec = valid(
      yaml(
        'version: 0.0', //                      1
        'os: linux', //                         2
        'files:', //                            3
        '  - source: /', //                     4
        '    destination: /a', //               5
        '  - source: missing/dir', //           6
        '    destination: /b', //               7
        'hooks:', //                            8
        '  BeforeInstall:', //                  9
        '    - location: scripts/ok.sh', //     10
        '    - location: scripts/plain.sh', //  11
        '    - location: scripts/none.sh', //   12
        '    - location: scripts/dir', //       13
        '    - location: scripts/escape.sh', // 14
      ),
    );
    const found = await validateAppSpecAgainstBundle(appspec, bundle);
    expect(found).toEqual([
      { path: 'files[1].source', line: 6, message: 'source "missing/dir" does not exist in the bundle' },
      {
        path: 'hooks.BeforeInstall[1].location',
        line: 11,
        message: 'script "scripts/plain.sh" is not executable; the agent will make it executable (chmod +x) before running it',
        severity: 'warning',
      },
      { path: 'hooks.BeforeInstall[2].location', line: 12, message: 'script "scripts/none.sh" does not exist in the bundle' },
      { path: 'hooks.BeforeInstall[3].location', line: 13, message: 'script "scripts/dir" is not a file' },
      {
        path: 'hooks.BeforeInstall[4].location',
        line: 14,
        message: expect.stringMatching(/^script "scripts\/escape.sh" leads outside the bundle \(through a symbolic link to /),
      },
    ]);
  });
});
