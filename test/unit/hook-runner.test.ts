import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookEnvironment, processGroupAlive, runHookScript, tailBytes, type RunHookOptions } from '../../agent/hooks/index.js';
import { LineSplitter } from '../../agent/hooks/line-splitter.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('hooks');

interface Run {
  result: Awaited<ReturnType<typeof runHookScript>>;
  lines: [string, string][];
  ms: number;
}

async function script(body: string, mode = 0o755): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'hook.sh');
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, mode);
  return { dir, file };
}

async function run(file: string, dir: string, extra: Partial<RunHookOptions> = {}): Promise<Run> {
  const lines: [string, string][] = [];
  const started = Date.now();
  const result = await runHookScript({
    scriptPath: file,
    location: 'scripts/hook.sh',
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hello' },
    timeoutSeconds: 10,
    killGraceMs: 1000,
    onOutput: (stream, line) => lines.push([stream, line]),
    ...extra,
  });
  return { result, lines, ms: Date.now() - started };
}

async function pidFrom(dir: string): Promise<number> {
  return Number((await readFile(path.join(dir, 'pid'), 'utf8')).trim());
}

describe('runHookScript', () => {
  it('runs a script and delivers its output line by line, including a last partial line', async () => {
    const { dir, file } = await script('echo "$GREETING from $(pwd)"\necho "wörld ✓"\necho oops >&2\nprintf partial');
    const { result, lines } = await run(file, dir);
    expect(result).toEqual({ errorCode: 'Success', exitCode: 0, message: 'Succeeded' });
    expect(lines.filter(([s]) => s === 'stdout').map(([, l]) => l)).toEqual([`hello from ${dir}`, 'wörld ✓', 'partial']);
    expect(lines).toContainEqual(['stderr', 'oops']);
  });

  it('reports a non-zero exit as ScriptFailed with the code', async () => {
    const { dir, file } = await script('echo failing\nexit 3');
    const { result } = await run(file, dir);
    expect(result).toEqual({
      errorCode: 'ScriptFailed',
      exitCode: 3,
      message: 'Script at specified location: scripts/hook.sh failed with exit code 3',
    });
  });

  it('reports a missing script as ScriptMissing', async () => {
    const dir = await tempDir();
    const { result } = await run(path.join(dir, 'nope.sh'), dir, { location: 'scripts/nope.sh' });
    expect(result).toEqual({ errorCode: 'ScriptMissing', message: 'Script does not exist at specified location: scripts/nope.sh' });
  });

  it('says so when the working directory is missing', async () => {
    const { dir, file } = await script('echo hi');
    const { result } = await run(file, dir, { cwd: path.join(dir, 'gone') });
    expect(result).toEqual({
      errorCode: 'UnknownError',
      message: `Script at specified location: scripts/hook.sh could not be started: the working directory ${path.join(dir, 'gone')} does not exist`,
    });
  });

  it('makes a script that is not executable executable, then runs it', async () => {
    const { dir, file } = await script('echo ran', 0o644);
    const { result, lines } = await run(file, dir);
    expect(result.errorCode).toBe('Success');
    expect(lines).toContainEqual(['stdout', 'ran']);
    expect(lines.some(([s, l]) => s === 'stderr' && l.includes('is not executable. Trying to make it executable'))).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o755);
  });

  it('times out, kills the whole process group and leaves nothing running', async () => {
    const { dir, file } = await script('echo $$ > pid\nsleep 30 &\nsleep 30');
    const { result, ms } = await run(file, dir, { timeoutSeconds: 1 });
    expect(result).toEqual({ errorCode: 'ScriptTimedOut', message: 'Script at specified location: scripts/hook.sh failed to complete in 1 seconds' });
    expect(ms).toBeLessThan(4000);
    expect(await processGroupAlive(await pidFrom(dir))).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM once the grace period is over', async () => {
    // An ignored signal stays ignored across exec, so the sleeps ignore SIGTERM too.
    const { dir, file } = await script("echo $$ > pid\ntrap '' TERM\nsleep 30 &\nsleep 30");
    const { result, ms } = await run(file, dir, { timeoutSeconds: 1, killGraceMs: 1000 });
    expect(result.errorCode).toBe('ScriptTimedOut');
    expect(result.message).not.toContain('could not be stopped');
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(6000);
    expect(await processGroupAlive(await pidFrom(dir))).toBe(false);
  });

  it('stops the script when the signal aborts', async () => {
    const { dir, file } = await script('echo $$ > pid\nsleep 30 &\nsleep 30');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const { result, ms } = await run(file, dir, { signal: controller.signal });
    expect(result).toEqual({ errorCode: 'ScriptFailed', cancelled: true, message: 'Script was stopped: the deployment was stopped' });
    expect(ms).toBeLessThan(3000);
    expect(await processGroupAlive(await pidFrom(dir))).toBe(false);
  });

  it('does not start a script when the signal has already aborted', async () => {
    const { dir, file } = await script('echo ran > ran');
    const { result } = await run(file, dir, { signal: AbortSignal.abort() });
    expect(result.cancelled).toBe(true);
    await expect(stat(path.join(dir, 'ran'))).rejects.toThrow();
  });

  it('returns promptly when a background process keeps stdout open, and leaves it running', async () => {
    const { dir, file } = await script('echo $$ > pid\nsleep 5 &\necho started');
    const { result, lines, ms } = await run(file, dir);
    expect(result.errorCode).toBe('Success');
    expect(ms).toBeLessThan(3000);
    expect(lines).toContainEqual(['stdout', 'started']);
    expect(lines.some(([s, l]) => s === 'stderr' && l.includes('still holds its stdout/stderr open'))).toBe(true);
    const pid = await pidFrom(dir);
    expect(await processGroupAlive(pid)).toBe(true); // a daemon started by a hook survives
    process.kill(-pid, 'SIGKILL');
  });

  it.runIf(process.getuid?.() === 0)('runs as another user with runas', async () => {
    const { dir, file } = await script('id -un\necho "$GREETING"');
    await chmod(dir, 0o755);
    const { result, lines } = await run(file, dir, { runas: 'nobody' });
    expect(result.errorCode).toBe('Success');
    expect(lines.filter(([s]) => s === 'stdout').map(([, l]) => l)).toEqual(['nobody', 'hello']);
  });

  it.runIf(process.getuid?.() === 0)('kills the whole group of a runas script on timeout (su stays in the group)', async () => {
    const { dir, file } = await script("ps -o pgid= -p $$ | tr -d ' ' > pid\nsleep 30 &\nsleep 30");
    await chmod(dir, 0o755);
    await writeFile(path.join(dir, 'pid'), '');
    await chmod(path.join(dir, 'pid'), 0o666);
    const { result } = await run(file, dir, { runas: 'nobody', timeoutSeconds: 1 });
    expect(result.errorCode).toBe('ScriptTimedOut');
    const pgid = await pidFrom(dir);
    expect(pgid).toBeGreaterThan(0);
    expect(await processGroupAlive(pgid)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('names the user when a runas script fails', async () => {
    const { dir, file } = await script('exit 7');
    await chmod(dir, 0o755);
    const { result } = await run(file, dir, { runas: 'nobody' });
    expect(result.message).toBe('Script at specified location: scripts/hook.sh run as user nobody failed with exit code 7');
  });
});

describe('hookEnvironment', () => {
  it("puts CodeDeploy's variables over the inherited environment and the extras", () => {
    const env = hookEnvironment({
      lifecycleEvent: 'AfterInstall',
      deploymentId: 'd-ABCDEFGHI',
      applicationName: 'web',
      deploymentGroupName: 'prod',
      deploymentGroupId: '0b6a4c4e-1111-4222-8333-944455556666',
      extra: { CUTOVER_INSTALL_ROOT: '/tmp/h1', DEPLOYMENT_ID: 'forged' },
      base: { PATH: '/bin', UNSET: undefined },
    });
    expect(env).toEqual({
      PATH: '/bin',
      CUTOVER_INSTALL_ROOT: '/tmp/h1',
      LIFECYCLE_EVENT: 'AfterInstall',
      DEPLOYMENT_ID: 'd-ABCDEFGHI',
      APPLICATION_NAME: 'web',
      DEPLOYMENT_GROUP_NAME: 'prod',
      DEPLOYMENT_GROUP_ID: '0b6a4c4e-1111-4222-8333-944455556666',
    });
  });
});

describe('tailBytes', () => {
  it('keeps short text whole and cuts long text on a character boundary', () => {
    expect(tailBytes('short', 4096)).toBe('short');
    expect(tailBytes('abcdef', 3)).toBe('def');
    // "é" is two bytes; a 3-byte window over "aéé" would start inside the first "é".
    expect(tailBytes('aéé', 3)).toBe('é');
    const long = '✓'.repeat(2000); // 3 bytes each
    const tail = tailBytes(long, 4096);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(4096);
    expect(tail).toBe('✓'.repeat(1365));
  });
});

describe('LineSplitter', () => {
  it('splits across chunks, handles CRLF and split UTF-8, and caps endless lines', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 8);
    const bytes = Buffer.from('one\r\ntwö\nthree-is-long\nend');
    for (const b of bytes) splitter.push(Buffer.from([b]));
    splitter.flush();
    expect(lines).toEqual(['one', 'twö', 'three-is', '-long', 'end']);
  });
});
