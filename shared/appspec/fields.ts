/** Small readers shared by the section parsers: each reports into a ProblemList and returns a typed value or undefined. */
import path from 'node:path';
import { childPath, type ProblemList } from './problem-paths.js';

export type YamlMap = Record<string, unknown>;

export function isMapValue(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value) ?? String(value);
  // A message quotes a value, never a megabyte of one.
  return `${typeof value} ${text.length > 80 ? `${text.slice(0, 77)}…` : text}`;
}

export function reportUnknownKeys(map: YamlMap, allowed: readonly string[], path: string, problems: ProblemList): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) {
      problems.add(childPath(path, key), `unknown key "${key}" (expected one of: ${allowed.join(', ')})`);
    }
  }
}

/** A non-empty string (numbers are accepted where a name may be numeric, e.g. a uid). */
export function readText(
  map: YamlMap,
  key: string,
  path: string,
  problems: ProblemList,
  opts: { required: boolean; allowNumber?: boolean },
): string | undefined {
  const p = childPath(path, key);
  const value = map[key];
  if (value === undefined || value === null) {
    if (opts.required) problems.add(p, `${key} is required`);
    return undefined;
  }
  if (typeof value === 'number' && opts.allowNumber && Number.isInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string') {
    problems.add(p, `${key} must be a string, got ${describe(value)}`);
    return undefined;
  }
  const text = value.trim();
  if (text === '') {
    problems.add(p, `${key} must not be empty`);
    return undefined;
  }
  return text;
}

export function readTextList(map: YamlMap, key: string, path: string, problems: ProblemList): string[] | undefined {
  const p = childPath(path, key);
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add(p, `${key} must be a list of strings, got ${describe(value)}`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'string' && item.trim() !== '') out.push(item.trim());
    else problems.add(`${p}[${i}]`, `${key} entries must be non-empty strings, got ${describe(item)}`);
  });
  return out;
}

/** Absolute, normalized, no trailing slash ("/" stays "/"). */
export function normalizeAbsolute(value: string): string {
  const n = path.posix.normalize(value);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * A path relative to the bundle root, as CodeDeploy joins it (a leading "/" means the root).
 * Returns undefined when `..` would climb out of the bundle; '' is the root itself.
 */
export function bundleRelative(value: string): string | undefined {
  const stripped = value.replace(/^\/+/, '');
  const n = path.posix.normalize(stripped === '' ? '.' : stripped);
  if (n === '..' || n.startsWith('../')) return undefined;
  if (n === '.') return '';
  return n.endsWith('/') ? n.slice(0, -1) : n;
}
