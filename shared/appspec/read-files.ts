/** The `files` and `file_exists_behavior` sections. */
import type { FileExistsBehavior } from '../domain/types.js';
import { bundleRelative, describe, isMapValue, normalizeAbsolute, readText, reportUnknownKeys } from './fields.js';
import { itemPath, type ProblemList } from './problem-paths.js';
import type { AppSpecFile } from './types.js';

const FILE_KEYS = ['source', 'destination'] as const;
const BEHAVIORS: readonly FileExistsBehavior[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];

export function readFiles(value: unknown, problems: ProblemList): AppSpecFile[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add('files', `files must be a list of {source, destination}, got ${describe(value)}`);
    return [];
  }
  const files: AppSpecFile[] = [];
  const seen = new Map<string, number>();
  value.forEach((item, i) => {
    const path = itemPath('files', i);
    if (!isMapValue(item)) {
      problems.add(path, `each files entry must be a map with source and destination, got ${describe(item)}`);
      return;
    }
    reportUnknownKeys(item, FILE_KEYS, path, problems);
    const source = readText(item, 'source', path, problems, { required: true });
    const destination = readText(item, 'destination', path, problems, { required: true });
    if (source !== undefined && bundleRelative(source) === undefined) {
      problems.add(`${path}.source`, `source "${source}" climbs out of the bundle with ".."; it must be a path inside the bundle`);
    }
    if (destination !== undefined && !destination.startsWith('/')) {
      problems.add(`${path}.destination`, `destination "${destination}" must be an absolute path (start with "/")`);
    }
    if (source === undefined || destination === undefined || !destination.startsWith('/')) return;
    const entry = { source, destination: normalizeAbsolute(destination) };
    const key = `${bundleRelative(source) ?? source}\0${entry.destination}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add(path, `this entry repeats files[${first}] (same source and destination)`);
      return;
    }
    seen.set(key, i);
    files.push(entry);
  });
  return files;
}

export function readFileExistsBehavior(value: unknown, problems: ProblemList): FileExistsBehavior | undefined {
  if (value === undefined || value === null) return undefined;
  const behavior = BEHAVIORS.find((b) => b === value);
  if (behavior) return behavior;
  problems.add('file_exists_behavior', `file_exists_behavior must be one of ${BEHAVIORS.join(', ')}, got ${describe(value)}`);
  return undefined;
}
