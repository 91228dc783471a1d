/** Moves the contents of destDir/<top> up into destDir (the bundle-root rule), the way the agent does after unpacking. */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';

export async function hoistRoot(destDir: string, top: string): Promise<void> {
  // Renamed first so a child with the same name as the top directory can move up beside it.
  const staging = path.join(destDir, `.cutover-root-${randomBytes(6).toString('hex')}`);
  await rename(path.join(destDir, top), staging);
  for (const name of await readdir(staging)) {
    await rename(path.join(staging, name), path.join(destDir, name));
  }
  await rmdir(staging);
}
