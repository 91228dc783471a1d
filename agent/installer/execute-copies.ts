/**
 * Carries out a copy plan, adding to `record` as it goes so a failure halfway still leaves an
 * exact account of what was created. Copies are exclusive: a file that appeared since the plan
 * was made is an error, never silently overwritten.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, stat, symlink, unlink, utimes } from 'node:fs/promises';
import { fileExistsError } from './install-error.js';
import type { CopyPlan } from './copy-plan.js';
import type { InstallRecord } from './install-record.js';
import type { WriteGuard } from './write-guard.js';

/** `guard` (the host's allowed destinations) is asked before each step, so a refusal leaves nothing half-written. */
export async function executeCopies(plan: CopyPlan, record: InstallRecord, guard?: WriteGuard): Promise<void> {
  for (const step of plan.steps) {
    await guard?.(step);
    if (step.op === 'mkdir') {
      try {
        await mkdir(step.path);
        record.dirs.push(step.path);
      } catch (err) {
        if (!hasCode(err, 'EEXIST') || !(await stat(step.path)).isDirectory()) throw err;
      }
      continue;
    }
    if (step.replace) await unlink(step.to).catch((err: unknown) => (hasCode(err, 'ENOENT') ? undefined : Promise.reject(err)));
    try {
      await copyOne(step.from, step.to);
    } catch (err) {
      if (hasCode(err, 'EEXIST')) throw fileExistsError(step.to);
      record.files.push(step.to); // may be partly written: the next cleanup removes it
      throw err;
    }
    record.files.push(step.to);
  }
}

async function copyOne(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  if (info.isSymbolicLink()) {
    await symlink(await readlink(from), to);
    return;
  }
  // copyFile keeps the mode; times are kept too, like the agent's FileUtils.copy(preserve: true).
  await copyFile(from, to, constants.COPYFILE_EXCL);
  await utimes(to, info.atime, info.mtime);
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
