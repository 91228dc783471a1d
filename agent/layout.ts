/**
 * Where an agent keeps things under its root (CodeDeploy's layout, adapted):
 *   <root>/deployment-root/<groupId>/<deploymentId>/bundle            the downloaded archive
 *   <root>/deployment-root/<groupId>/<deploymentId>/deployment-archive/  its unpacked content
 *   <root>/deployment-root/<groupId>/<deploymentId>/logs/scripts.log  every script's output
 *   <root>/deployment-instructions/<groupId>-last-successful.json     the last revision that installed
 *   <root>/deployment-instructions/<groupId>-install-record.json     what that install created (for cleanup)
 *   <root>/journal/<commandId>.json                                   see journal.ts
 */
import { mkdir, readdir, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

const LastSuccessful = z.object({ deploymentId: z.string(), archiveDir: z.string() });
export type LastSuccessful = z.infer<typeof LastSuccessful>;

/** CodeDeploy's default `:max_revisions:`. */
export const MAX_REVISIONS_PER_GROUP = 5;

export class Layout {
  constructor(readonly root: string) {}

  groupDir(groupId: string): string {
    return path.join(this.root, 'deployment-root', safe(groupId));
  }

  deploymentDir(groupId: string, deploymentId: string): string {
    return path.join(this.groupDir(groupId), safe(deploymentId));
  }

  bundleFile(groupId: string, deploymentId: string): string {
    return path.join(this.deploymentDir(groupId, deploymentId), 'bundle');
  }

  archiveDir(groupId: string, deploymentId: string): string {
    return path.join(this.deploymentDir(groupId, deploymentId), 'deployment-archive');
  }

  scriptLog(groupId: string, deploymentId: string): string {
    return path.join(this.deploymentDir(groupId, deploymentId), 'logs', 'scripts.log');
  }

  private instructions(name: string): string {
    return path.join(this.root, 'deployment-instructions', name);
  }

  async lastSuccessful(groupId: string): Promise<LastSuccessful | undefined> {
    return readJson(this.instructions(`${safe(groupId)}-last-successful.json`), LastSuccessful);
  }

  async setLastSuccessful(groupId: string, value: LastSuccessful): Promise<void> {
    await writeJson(this.instructions(`${safe(groupId)}-last-successful.json`), value);
  }

  installRecordFile(groupId: string): string {
    return this.instructions(`${safe(groupId)}-install-record.json`);
  }

  /** Keep the newest revisions of a group; never the current one or the last successful one. */
  async pruneRevisions(groupId: string, keepDeploymentIds: readonly string[]): Promise<void> {
    const dir = this.groupDir(groupId);
    const names = await readdir(dir).catch(() => [] as string[]);
    const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })));
    const removable = dated.filter((d) => !keepDeploymentIds.includes(d.name)).sort((a, b) => b.mtime - a.mtime);
    const room = Math.max(0, MAX_REVISIONS_PER_GROUP - keepDeploymentIds.length);
    for (const old of removable.slice(room)) await rm(path.join(dir, old.name), { recursive: true, force: true });
  }
}

/** Ids come from the api; keep them to one path segment regardless. */
function safe(segment: string): string {
  return segment.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function readJson<T extends z.ZodType>(file: string, schema: T): Promise<z.infer<T> | undefined> {
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, file);
}
