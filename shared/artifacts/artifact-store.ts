/**
 * Where revision bundles live, content-addressed by sha256. The filesystem store is the only
 * one today; the interface is what an S3 store would implement.
 */
import type { Readable } from 'node:stream';

export interface ArtifactStore {
  /** A fresh temporary path to stage an upload in, on the same filesystem as the store. */
  stagingPath(): Promise<string>;
  /** Move a staged file into the store under its digest (a no-op if that digest is stored). */
  commit(stagedPath: string, digest: string): Promise<void>;
  discard(stagedPath: string): Promise<void>;
  exists(digest: string): Promise<boolean>;
  size(digest: string): Promise<number | undefined>;
  /** `size`, when the caller knows it, bounds the read buffer: a small bundle needs no 64 KB one. */
  read(digest: string, size?: number): Readable;
}
