/** Bounds on what one bundle may unpack to, so a decompression bomb fails instead of filling the disk. */
export interface BundleLimits {
  /** Most entries (files, directories, links) in the archive. Default 100,000. */
  maxEntries?: number;
  /**
   * Most bytes once decompressed. For tar/tgz this is the whole tar stream (headers included);
   * for zip the sum of the entries' sizes. Default 1 GiB.
   */
  maxBytes?: number;
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

export function resolveLimits(limits: BundleLimits | undefined): Required<BundleLimits> {
  return {
    maxEntries: limits?.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxBytes: limits?.maxBytes ?? DEFAULT_MAX_BYTES,
  };
}
