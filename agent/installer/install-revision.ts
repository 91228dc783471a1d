/**
 * installRevision: CodeDeploy's Install step. Remove what the previous revision installed, plan
 * and copy the new revision's files, apply its permissions; return what was created so the next
 * install can remove it. On failure the InstallError carries that account too (`record`).
 */
import { mkdir } from 'node:fs/promises';
import type { AppSpec } from '../../shared/appspec/index.js';
import type { FileExistsBehavior } from '../../shared/domain/types.js';
import { planCopies } from './copy-plan.js';
import { executeCopies } from './execute-copies.js';
import { InstallError } from './install-error.js';
import { cleanupInstall, type InstallRecord } from './install-record.js';
import { applyPermissions, planPermissions } from './permissions.js';
import { allowanceViolations, describeViolations, type HostAllowance } from './host-allowance.js';
import { writeGuard } from './write-guard.js';

export interface InstallOptions {
  /** The unpacked revision. */
  archiveDir: string;
  appspec: AppSpec;
  /** When set, absolute destinations and objects /x/y go to <installRoot>/x/y. */
  installRoot?: string;
  /** Already resolved: the appspec's, else the deployment's, else DISALLOW. */
  fileExistsBehavior: FileExistsBehavior;
  /** What the previous revision of this deployment group installed. */
  previous?: InstallRecord;
  log: (line: string) => void;
  /** The host's allowance: a revision outside it is refused before anything is removed or written. */
  allowance?: HostAllowance;
}

export async function installRevision(opts: InstallOptions): Promise<InstallRecord> {
  const record: InstallRecord = { files: [], dirs: [] };
  try {
    const violations = allowanceViolations(opts.appspec, opts.allowance);
    if (violations.length > 0) throw new InstallError('NOT_ALLOWED', describeViolations(violations));
    if (opts.previous) await cleanupInstall(opts.previous, opts.log);
    // The root stands in for "/": it must exist, and it is not ours to remove.
    if (opts.installRoot) await mkdir(opts.installRoot, { recursive: true });
    const plan = await planCopies({
      archiveDir: opts.archiveDir,
      files: opts.appspec.files,
      installRoot: opts.installRoot,
      fileExistsBehavior: opts.fileExistsBehavior,
      log: opts.log,
    });
    await executeCopies(plan, record, await writeGuard(opts.allowance, opts.installRoot));
    opts.log(`Installed ${record.files.length} file(s) and created ${record.dirs.length} directory(ies).`);
    const actions = await planPermissions(opts.appspec.permissions, plan, opts.installRoot, opts.log);
    await applyPermissions(actions, opts.log);
    return record;
  } catch (err) {
    const failure =
      err instanceof InstallError
        ? err
        : new InstallError('INSTALL_FAILED', `The deployment failed while installing files: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
          });
    failure.record = record;
    throw failure;
  }
}
