/**
 * Checks an appspec against the unpacked bundle it came with: files sources exist, hook scripts
 * exist, are files and stay inside the bundle. A script without the executable bit is only a
 * warning: the agent sets it, as CodeDeploy's does.
 */
import { constants } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { bundleRelative } from './fields.js';
import { ProblemList, childPath, itemPath } from './problem-paths.js';
import type { AppSpec, AppSpecProblem } from './types.js';

export async function validateAppSpecAgainstBundle(appspec: AppSpec, bundleDir: string): Promise<AppSpecProblem[]> {
  const problems = new ProblemList(appspec.sourceLines);
  const root = await realpath(bundleDir);

  for (const [i, file] of appspec.files.entries()) {
    const p = childPath(itemPath('files', i), 'source');
    const rel = bundleRelative(file.source);
    if (rel === undefined) {
      problems.add(p, `source "${file.source}" is outside the bundle`);
    } else if (!(await exists(path.join(root, rel)))) {
      problems.add(p, `source "${file.source}" does not exist in the bundle`);
    }
  }

  for (const [event, scripts] of Object.entries(appspec.hooks)) {
    for (const [i, script] of (scripts ?? []).entries()) {
      const p = childPath(itemPath(childPath('hooks', event), i), 'location');
      const problem = await checkScript(root, script.location);
      if (problem) problems.add(p, problem.message, problem.severity);
    }
  }
  return problems.items;
}

async function checkScript(
  root: string,
  location: string,
): Promise<{ message: string; severity?: 'warning' } | undefined> {
  const rel = bundleRelative(location);
  if (rel === undefined || rel === '') return { message: `script "${location}" is not a file inside the bundle` };
  const full = path.join(root, rel);
  if (!(await exists(full))) return { message: `script "${location}" does not exist in the bundle` };
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    return { message: `script "${location}" is a symbolic link to nothing` };
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    return { message: `script "${location}" leads outside the bundle (through a symbolic link to ${real})` };
  }
  const info = await stat(real);
  if (!info.isFile()) return { message: `script "${location}" is not a file` };
  if ((info.mode & (constants.S_IXUSR | constants.S_IXGRP | constants.S_IXOTH)) === 0) {
    return {
      message: `script "${location}" is not executable; the agent will make it executable (chmod +x) before running it`,
      severity: 'warning',
    };
  }
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
