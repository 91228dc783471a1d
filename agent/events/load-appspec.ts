import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { findAppSpecFile, parseAppSpec, readAppSpecFile, type AppSpec } from '../../shared/appspec/index.js';

export type LoadedAppSpec = { ok: true; appspec: AppSpec } | { ok: false; message: string };

/** Find and parse the appspec at the root of an unpacked revision (`fileName` when the deployment names one). */
export async function loadAppSpec(archiveDir: string, fileName?: string): Promise<LoadedAppSpec> {
  const names = await readdir(archiveDir).catch(() => [] as string[]);
  const file = findAppSpecFile(names, fileName);
  if (!file) return { ok: false, message: `The revision has no ${fileName ?? 'appspec.yml'} at its root (${archiveDir}).` };
  const text = await readAppSpecFile(path.join(archiveDir, file));
  if (!text.ok) return text;
  const parsed = parseAppSpec(text.text);
  if (parsed.ok) return parsed;
  const problems = parsed.problems.map((p) => `${p.path || file}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
  return { ok: false, message: `The appspec is invalid: ${problems.join('; ')}` };
}

/**
 * The appspec of `archiveDir`, read and parsed once per command: DownloadBundle, Install and each
 * hook event of one command ask for the same file (7 parses per command before). A revision's
 * unpacked directory does not change while its command runs.
 */
export function appSpecFor(cache: Map<string, Promise<LoadedAppSpec>> | undefined, archiveDir: string, fileName?: string): Promise<LoadedAppSpec> {
  if (!cache) return loadAppSpec(archiveDir, fileName);
  const key = `${archiveDir}\0${fileName ?? ''}`;
  let loaded = cache.get(key);
  if (!loaded) cache.set(key, (loaded = loadAppSpec(archiveDir, fileName)));
  return loaded;
}
