/**
 * Bounds on what one bundle may unpack to, so a decompression bomb or a flood of tiny entries
 * fails fast instead of filling the disk or the inode table. The api applies them when a revision
 * is uploaded and the agent again when it unpacks (CUTOVER_BUNDLE_MAX_ENTRIES,
 * CUTOVER_BUNDLE_MAX_UNPACKED_BYTES in shared/config.ts); these are the defaults of both.
 */
export interface BundleLimits {
  /** Most entries (files, directories, links) in the archive. */
  maxEntries?: number;
  /**
   * Most bytes once decompressed. For tar/tgz this is the whole tar stream (headers included);
   * for zip the sum of the entries' sizes.
   */
  maxBytes?: number;
}

/** Far more than an application's own files; a bundle carrying a large node_modules may need more. */
export const DEFAULT_MAX_ENTRIES = 50_000;
/** Four times the default upload limit (CUTOVER_MAX_BUNDLE_BYTES): room for compressible content, not for a bomb. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024 * 1024;

export function resolveLimits(limits: BundleLimits | undefined): Required<BundleLimits> {
  return {
    maxEntries: limits?.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxBytes: limits?.maxBytes ?? DEFAULT_MAX_BYTES,
  };
}
