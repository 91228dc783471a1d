/**
 * The bench's revision: an appspec with one small file to install and a trivial script on every
 * hook an in-place deployment runs, packed as a tar.gz exactly as a user would upload it.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';

export const BENCH_HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;

/**
 * `version` changes the bundle's digest, so each deployment can carry a new revision;
 * `destination` keeps groups that share hosts from installing over each other's files.
 */
export async function benchBundle(version = '1', destination = '/opt/bench-app'): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bench-bundle-'));
  try {
    await mkdir(path.join(dir, 'hooks'));
    await mkdir(path.join(dir, 'app'));
    await writeFile(path.join(dir, 'app', 'VERSION'), `${version}\n`);
    const hookLines: string[] = [];
    for (const hook of BENCH_HOOKS) {
      const location = `hooks/${hook}.sh`;
      await writeFile(path.join(dir, location), '#!/bin/sh\nexit 0\n');
      await chmod(path.join(dir, location), 0o755);
      hookLines.push(`  ${hook}:\n    - location: ${location}\n      timeout: 60`);
    }
    const appspec = ['version: 0.0', 'os: linux', 'files:', '  - source: app', `    destination: ${destination}`, 'hooks:', ...hookLines, ''].join('\n');
    await writeFile(path.join(dir, 'appspec.yml'), appspec);
    const file = path.join(dir, '..', `${path.basename(dir)}.tgz`);
    await tar.c({ gzip: true, cwd: dir, portable: true, file }, ['.']);
    const bytes = await readFile(file);
    await rm(file, { force: true });
    return bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
