/**
 * The production agent's bundle (agent/build.mjs, run by agent/bin.mjs): built on demand, reused
 * while its sources are unchanged, rebuilt when one changes, and safe for agents that start
 * together on a fresh checkout. Each test works on a copy of the sources (agent/, shared/,
 * tsconfig.json, package.json; node_modules linked), so the repository's own build is untouched.
 */
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, rm, symlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const copies: string[] = [];
afterEach(async () => {
  await Promise.all(copies.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function sourceCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-agent-build-'));
  copies.push(dir);
  for (const part of ['agent', 'shared', 'tsconfig.json', 'package.json']) {
    await cp(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true, filter: (src) => !src.includes(`${path.sep}dist`) });
  }
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function build(dir: string): Promise<string> {
  return (await run(process.execPath, [path.join(dir, 'agent', 'build.mjs')], { cwd: dir })).stdout.trim();
}

/** agent/bin.mjs without arguments: the bundle's main() prints its usage and exits 2. */
async function startWithoutArguments(dir: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [path.join(dir, 'agent', 'bin.mjs')], { cwd: dir, timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const failure = err as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
}

const builds = async (dir: string) => (await readdir(path.join(dir, 'agent', 'dist'))).filter((name) => !name.startsWith('.'));

describe('the agent bundle', { timeout: 120_000 }, () => {
  it('is built on first start and runs agent/main.ts with plain node', async () => {
    const dir = await sourceCopy();
    const started = await startWithoutArguments(dir);
    expect(started.code).toBe(2);
    expect(started.stderr).toContain('--api is required');
    expect(await builds(dir)).toHaveLength(1);
  });

  it('is reused while its sources are unchanged, even when a checkout only touched their mtimes', async () => {
    const dir = await sourceCopy();
    expect(await build(dir)).toMatch(/^built: /);
    const [first] = await builds(dir);
    expect(await build(dir)).toMatch(/^already built: /);
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'agent', 'journal.ts'), later, later);
    expect(await build(dir)).toMatch(/^already built: /);
    expect(await builds(dir)).toEqual([first]);
  });

  it('is rebuilt when a source it was made from changes, and the old build goes', async () => {
    const dir = await sourceCopy();
    await build(dir);
    const [first] = await builds(dir);
    // shared/ too: the bundle holds everything agent/main.ts imports.
    await appendFile(path.join(dir, 'shared', 'logger.ts'), '\n// changed\n');
    const started = await startWithoutArguments(dir);
    expect(started.code).toBe(2);
    const after = await builds(dir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);
  });

  it('ends as one whole build when several agents start together on a fresh checkout', async () => {
    const dir = await sourceCopy();
    const results = await Promise.all([1, 2, 3].map(() => startWithoutArguments(dir)));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--api is required');
    }
    expect(await builds(dir)).toHaveLength(1);
    expect((await readdir(path.join(dir, 'agent', 'dist'))).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });
});
