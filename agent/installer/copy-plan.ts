/**
 * Turns the appspec's `files` into mkdir and copy steps before anything is touched, as the
 * CodeDeploy agent does (so DISALLOW fails with nothing half-installed):
 * - a file source goes to destination/<basename>; a directory source's contents go into
 *   destination, recursively; "/" is the whole bundle, appspec included;
 * - missing ancestors of a destination are created (and recorded);
 * - a symlink in the bundle is copied as a symlink, never followed (agent#152);
 * - a file already at a destination (the previous revision's are gone by now) is handled by
 *   file_exists_behavior: DISALLOW fails, OVERWRITE replaces, RETAIN keeps it and skips;
 * - two sources for one destination, or a file where a directory is made, is an error.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { bundleRelative, type AppSpecFile } from '../../shared/appspec/index.js';
import type { FileExistsBehavior } from '../../shared/domain/types.js';
import { InstallError, fileExistsError } from './install-error.js';
import { installPath } from './install-root.js';

export type CopyStep = { op: 'mkdir'; path: string } | { op: 'copy'; from: string; to: string; replace: boolean };

export interface CopyPlan {
  steps: CopyStep[];
  /** Destination → bundle source, for every file this install writes. */
  copyTargets: Map<string, string>;
  /** Every directory this install creates. */
  mkdirTargets: Set<string>;
}

export async function planCopies(opts: {
  archiveDir: string;
  files: readonly AppSpecFile[];
  installRoot?: string;
  fileExistsBehavior: FileExistsBehavior;
  log: (line: string) => void;
}): Promise<CopyPlan> {
  const plan: CopyPlan = { steps: [], copyTargets: new Map(), mkdirTargets: new Set() };
  const shown = (p: string): string => path.relative(opts.archiveDir, p) || '/';

  const mkdir = (dir: string): void => {
    if (plan.copyTargets.has(dir)) {
      throw new InstallError(
        'DUPLICATE_TARGET',
        `The deployment failed because the application specification file creates the directory ${dir}, where it also installs the file ${shown(plan.copyTargets.get(dir) ?? '')}.`,
      );
    }
    if (!plan.mkdirTargets.has(dir)) plan.steps.push({ op: 'mkdir', path: dir });
    plan.mkdirTargets.add(dir);
  };

  const copy = (from: string, to: string, replace: boolean): void => {
    const earlier = plan.copyTargets.get(to);
    if (earlier !== undefined) {
      throw new InstallError(
        'DUPLICATE_TARGET',
        `The deployment failed because the application specification file specifies two source files named ${shown(from)} and ${shown(earlier)} for the same destination (${to}).`,
      );
    }
    if (plan.mkdirTargets.has(to)) {
      throw new InstallError(
        'DUPLICATE_TARGET',
        `The deployment failed because the application specification file installs the file ${shown(from)} at ${to}, where it also creates a directory.`,
      );
    }
    plan.steps.push({ op: 'copy', from, to, replace });
    plan.copyTargets.set(to, from);
  };

  const fillMissingAncestors = async (target: string): Promise<void> => {
    const missing: string[] = [];
    for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (plan.mkdirTargets.has(dir) || (await lstatOrUndefined(dir))) break;
      missing.unshift(dir);
    }
    missing.forEach(mkdir);
  };

  const normalCopy = async (from: string, to: string): Promise<void> => {
    const existing = await lstatOrUndefined(to);
    if (!existing) return copy(from, to, false);
    switch (opts.fileExistsBehavior) {
      case 'DISALLOW':
        throw fileExistsError(to);
      case 'OVERWRITE':
        if (existing.isDirectory()) {
          throw new InstallError(
            'FILE_EXISTS',
            `The deployment failed because a directory exists where the revision installs a file: ${to}. OVERWRITE replaces files, not directories.`,
          );
        }
        return copy(from, to, true);
      case 'RETAIN':
        opts.log(`Kept the existing file ${to} (file_exists_behavior RETAIN); ${shown(from)} was not installed.`);
        return;
    }
  };

  const directoryCopy = async (from: string, to: string): Promise<void> => {
    // stat, not lstat: a destination that is a symlink to a directory (/var/www -> /srv/www) is used as is.
    const existing = await stat(to).catch(() => undefined);
    if (!existing && !plan.mkdirTargets.has(to)) {
      if (await lstatOrUndefined(to)) throw fileExistsError(to);
      mkdir(to);
    } else if (existing && !existing.isDirectory()) {
      throw fileExistsError(to);
    }
    const names = (await readdir(from)).sort();
    for (const name of names) {
      const source = path.join(from, name);
      const info = await lstat(source);
      if (info.isDirectory()) await directoryCopy(source, path.join(to, name));
      else await normalCopy(source, path.join(to, name));
    }
  };

  for (const file of opts.files) {
    const rel = bundleRelative(file.source);
    if (rel === undefined) {
      throw new InstallError('SOURCE_MISSING', `The deployment failed because the files source ${file.source} is outside the bundle.`);
    }
    const source = path.join(opts.archiveDir, rel);
    const info = await lstatOrUndefined(source);
    if (!info) {
      throw new InstallError('SOURCE_MISSING', `The deployment failed because the files source ${file.source} does not exist in the bundle.`);
    }
    const destination = installPath(file.destination, opts.installRoot);
    if (info.isDirectory()) {
      await fillMissingAncestors(destination);
      await directoryCopy(source, destination);
    } else {
      const target = path.join(destination, path.basename(source));
      await fillMissingAncestors(target);
      await normalCopy(source, target);
    }
  }
  return plan;
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return undefined;
    throw err;
  }
}
