/**
 * Why Install failed, with CodeDeploy's wording where it has one. `record` is what this install
 * had put on the host when it stopped (the previous revision's files are already gone by then):
 * persist it as the next install's `previous`, so a half-done install is cleaned up like the
 * agent's incremental cleanup file allows.
 */
import type { InstallRecord } from './install-record.js';

export type InstallErrorCode =
  | 'FILE_EXISTS'
  | 'DUPLICATE_TARGET'
  | 'SOURCE_MISSING'
  | 'INVALID_PERMISSION'
  | 'UNKNOWN_OWNER'
  | 'UNKNOWN_GROUP'
  /** Outside the host's allowance (allowed destinations / runas users). */
  | 'NOT_ALLOWED'
  | 'INSTALL_FAILED';

export class InstallError extends Error {
  record: InstallRecord = { files: [], dirs: [] };

  constructor(
    readonly code: InstallErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InstallError';
  }
}

export function fileExistsError(path: string): InstallError {
  return new InstallError('FILE_EXISTS', `The deployment failed because a specified file already exists at this location: ${path}`);
}
