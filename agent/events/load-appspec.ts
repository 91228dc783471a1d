import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { findAppSpecFile, parseAppSpec, type AppSpec } from '../../shared/appspec/index.js';

export type LoadedAppSpec = { ok: true; appspec: AppSpec } | { ok: false; message: string };

/** Find and parse the appspec at the root of an unpacked revision (`fileName` when the deployment names one). */
export async function loadAppSpec(archiveDir: string, fileName?: string): Promise<LoadedAppSpec> {
  const names = await readdir(archiveDir).catch(() => [] as string[]);
  const file = findAppSpecFile(names, fileName);
  if (!file) return { ok: false, message: `The revision has no ${fileName ?? 'appspec.yml'} at its root (${archiveDir}).` };
  const parsed = parseAppSpec(await readFile(path.join(archiveDir, file), 'utf8'));
  if (parsed.ok) return parsed;
  const problems = parsed.problems.map((p) => `${p.path || file}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
  return { ok: false, message: `The appspec is invalid: ${problems.join('; ')}` };
}
