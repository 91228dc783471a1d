/**
 * The allowance's second line, at write time: every directory Install creates and every file it
 * writes must really lie under an allowed destination once links are resolved. The appspec check
 * compares paths as written; this catches a link on the host, or one an earlier revision
 * installed (bundle links are copied as links), that leads from an allowed directory elsewhere,
 * and refuses to install a link that would lead out.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { HostAllowance } from './host-allowance.js';
import { InstallError } from './install-error.js';
import { installPath } from './install-root.js';

export type WriteGuard = (step: { op: 'mkdir'; path: string } | { op: 'copy'; from: string; to: string }) => Promise<void>;

export async function writeGuard(allowance: HostAllowance | undefined, installRoot: string | undefined): Promise<WriteGuard | undefined> {
  const allowed = allowance?.destinations;
  // "/" allows everything: nothing to guard.
  if (!allowed || allowed.some((dir) => path.posix.normalize(dir) === '/')) return undefined;
  const roots = await Promise.all(allowed.map((dir) => realPathOf(installPath(dir, installRoot))));
  const under = (real: string): boolean => roots.some((root) => real === root || real.startsWith(`${root}${path.sep}`));
  const above = (real: string): boolean => roots.some((root) => root.startsWith(`${real === path.sep ? '' : real}${path.sep}`));
  /**
   * A bundle's symlink is installed as a link (agent#152); a relative one that stayed inside the
   * bundle can still point out of the destination it is copied to (web/l -> ../../x). It must
   * lead inside the allowed destinations too, or later writes and readers would follow it out.
   */
  const checkLinkTarget = async (from: string, to: string, realTo: string): Promise<void> => {
    if (!(await lstat(from)).isSymbolicLink()) return;
    const target = await readlink(from);
    const resolved = await realPathOf(path.resolve(path.dirname(realTo), target));
    if (under(resolved)) return;
    throw new InstallError(
      'NOT_ALLOWED',
      `The deployment failed because the symbolic link ${to} -> ${target} would lead to ${resolved}, outside the destinations this host allows (${allowed.join(', ')}).`,
    );
  };
  return async (step) => {
    // A directory on the way to an allowed one may be created; a file must land inside one.
    const real = step.op === 'mkdir' ? await realPathOf(step.path) : path.join(await realPathOf(path.dirname(step.to)), path.basename(step.to));
    if (under(real) || (step.op === 'mkdir' && above(real))) {
      if (step.op === 'copy') await checkLinkTarget(step.from, step.to, real);
      return;
    }
    const target = step.op === 'mkdir' ? step.path : step.to;
    throw new InstallError(
      'NOT_ALLOWED',
      `The deployment failed because ${target} resolves to ${real}, outside the destinations this host allows (${allowed.join(', ')}); a symbolic link leads out of an allowed directory.`,
    );
  };
}

/** realpath of the longest existing prefix, with the rest appended (the path may not exist yet). */
async function realPathOf(p: string): Promise<string> {
  const rest: string[] = [];
  for (let at = path.resolve(p); ; ) {
    try {
      return path.join(await realpath(at), ...rest);
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? err.code : undefined;
      const up = path.dirname(at);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === at) throw err;
      rest.unshift(path.basename(at));
      at = up;
    }
  }
}
