/**
 * Why a bundle was refused. It is an InvalidInputError, so the api answers 400 with the code;
 * the agent reports the message as the DownloadBundle failure. `entry` names the archive entry.
 */
import { InvalidInputError } from '../errors.js';

export type BundleErrorCode =
  /** An entry would land outside the destination: absolute, "..", escaping or chained links. */
  | 'BUNDLE_UNSAFE_PATH'
  /** Device, FIFO or other special entry; encrypted or unsupported zip entries. */
  | 'BUNDLE_UNSUPPORTED_ENTRY'
  /** Over the entry-count or uncompressed-size limit (decompression bombs). */
  | 'BUNDLE_TOO_LARGE'
  /** Not a readable archive of the declared type. */
  | 'BUNDLE_CORRUPT';

export class BundleError extends InvalidInputError {
  declare readonly code: BundleErrorCode;

  constructor(
    code: BundleErrorCode,
    message: string,
    readonly entry?: string,
  ) {
    super(code, message, entry === undefined ? undefined : { entry });
  }
}

export function isBundleError(err: unknown): err is BundleError {
  return err instanceof BundleError;
}
