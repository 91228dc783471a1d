/**
 * What one install created, so the next one can take it away first (CodeDeploy's
 * `<dgId>-cleanup` file). Only these paths are ever removed: files scripts wrote are left, and a
 * directory is removed only once it is empty (the agent failed with "Directory not empty" there).
 */
import { lstat, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface InstallRecord {
  /** Files and symlinks this install created, in creation order (real paths). */
  files: string[];
  /** Directories this install created, parents before children (real paths). */
  dirs: string[];
}

export async function cleanupInstall(record: InstallRecord, log: (line: string) => void = () => undefined): Promise<void> {
  let removedFiles = 0;
  let removedDirs = 0;
  for (const file of [...record.files].reverse()) {
    const info = await lstat(file).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      log(`Cleanup: left ${file} in place: it was installed as a file but is now a directory.`);
      continue;
    }
    await unlink(file);
    removedFiles++;
  }
  const deepestFirst = [...record.dirs].sort((a, b) => depth(b) - depth(a) || b.localeCompare(a));
  const kept: string[] = [];
  for (const dir of deepestFirst) {
    try {
      await rmdir(dir);
      removedDirs++;
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? err.code : undefined;
      if (code === 'ENOENT') continue;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') kept.push(dir);
      else throw err;
    }
  }
  log(`Cleanup: removed ${removedFiles} file(s) and ${removedDirs} directory(ies) installed by the previous revision.`);
  if (kept.length > 0) {
    log(`Cleanup: kept ${kept.length} directory(ies) that now hold files the previous revision did not install: ${kept.join(', ')}`);
  }
}

function depth(p: string): number {
  return p.split(path.sep).length;
}
