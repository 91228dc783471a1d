/**
 * Revision bundles for tests: a directory with an appspec.yml, files and hook scripts, packed as
 * a tar.gz exactly as a user would upload it.
 */
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { REPO_ROOT } from './processes.js';

export interface HookSpec {
  /** Shell script body (a `#!/bin/bash` line and `set -eu` are added). */
  script: string;
  timeout?: number;
}

export interface BundleSpec {
  /** Relative path → content. */
  files?: Record<string, string>;
  /** appspec `files` entries. */
  install?: { source: string; destination: string }[];
  hooks?: Partial<Record<string, HookSpec>>;
  /** Raw appspec text instead of the generated one. */
  appspec?: string;
}

export async function makeBundleDir(spec: BundleSpec): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bundle-'));
  for (const [rel, content] of Object.entries(spec.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  const hookLines: string[] = [];
  for (const [event, hook] of Object.entries(spec.hooks ?? {})) {
    if (!hook) continue;
    const location = `hooks/${event}.sh`;
    await mkdir(path.join(dir, 'hooks'), { recursive: true });
    await writeFile(path.join(dir, location), `#!/bin/bash\nset -eu\n${hook.script}\n`);
    await chmod(path.join(dir, location), 0o755);
    hookLines.push(`  ${event}:\n    - location: ${location}\n      timeout: ${hook.timeout ?? 60}`);
  }
  const installLines = (spec.install ?? []).map((f) => `  - source: ${f.source}\n    destination: ${f.destination}`);
  const appspec =
    spec.appspec ??
    ['version: 0.0', 'os: linux', installLines.length ? `files:\n${installLines.join('\n')}` : '', hookLines.length ? `hooks:\n${hookLines.join('\n')}` : '']
      .filter(Boolean)
      .join('\n');
  await writeFile(path.join(dir, 'appspec.yml'), `${appspec}\n`);
  return dir;
}

export async function packDir(dir: string): Promise<Buffer> {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'cutover-pack-')), 'bundle.tgz');
  await tar.c({ gzip: true, cwd: dir, portable: true, file: out }, ['.']);
  return readFile(out);
}

export async function makeBundle(spec: BundleSpec): Promise<Buffer> {
  return packDir(await makeBundleDir(spec));
}

/** The sample app from examples/ with its VERSION replaced. */
export async function sampleAppBundle(version: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-sample-'));
  await cp(path.join(REPO_ROOT, 'examples', 'sample-app'), dir, { recursive: true });
  await writeFile(path.join(dir, 'app', 'VERSION'), `${version}\n`);
  return packDir(dir);
}
