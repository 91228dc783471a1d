/**
 * The `permissions` section (Linux only). Validation here is what can be judged from the file
 * alone; rules that depend on what gets installed (a `type: file` entry on a copied file must use
 * pattern "**" and no `except`; one path set twice) are checked by the installer.
 */
import { childPath, itemPath, type ProblemList } from './problem-paths.js';
import { describe, isMapValue, normalizeAbsolute, readText, readTextList, reportUnknownKeys } from './fields.js';
import { parseMode } from './permission-mode.js';
import type { AppSpecPermission, PermissionType, SelinuxContext } from './types.js';

const PERMISSION_KEYS = ['object', 'pattern', 'except', 'owner', 'group', 'mode', 'acls', 'context', 'type'] as const;
const CONTEXT_KEYS = ['user', 'name', 'type', 'range'] as const;
const TYPES: readonly PermissionType[] = ['file', 'directory'];

export function readPermissions(
  value: unknown,
  scalarSources: Readonly<Record<string, string>>,
  problems: ProblemList,
): AppSpecPermission[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add('permissions', `permissions must be a list, got ${describe(value)}`);
    return [];
  }
  const out: AppSpecPermission[] = [];
  value.forEach((item, i) => {
    const path = itemPath('permissions', i);
    if (!isMapValue(item)) {
      problems.add(path, `each permissions entry must be a map with at least an object, got ${describe(item)}`);
      return;
    }
    reportUnknownKeys(item, PERMISSION_KEYS, path, problems);
    const before = problems.items.length;
    const object = readText(item, 'object', path, problems, { required: true });
    if (object !== undefined && !object.startsWith('/')) {
      problems.add(childPath(path, 'object'), `object "${object}" must be an absolute path (start with "/")`);
    }
    const pattern = readText(item, 'pattern', path, problems, { required: false }) ?? '**';
    checkGlob(pattern, childPath(path, 'pattern'), problems);
    const except = readTextList(item, 'except', path, problems) ?? [];
    except.forEach((glob, j) => checkGlob(glob, `${childPath(path, 'except')}[${j}]`, problems));
    const owner = readText(item, 'owner', path, problems, { required: false, allowNumber: true });
    const group = readText(item, 'group', path, problems, { required: false, allowNumber: true });
    let mode: number | undefined;
    if (item.mode !== undefined && item.mode !== null) {
      const modePath = childPath(path, 'mode');
      const parsed = parseMode(item.mode, scalarSources[modePath]);
      if (parsed.ok) mode = parsed.mode;
      else problems.add(modePath, parsed.message);
    }
    const acls = readTextList(item, 'acls', path, problems);
    const context = readContext(item.context, childPath(path, 'context'), problems);
    const type = readTypes(item.type, childPath(path, 'type'), problems);
    if (problems.items.length > before || object === undefined) return;
    const permission: AppSpecPermission = { object: normalizeAbsolute(object), pattern, except, type };
    if (owner !== undefined) permission.owner = owner;
    if (group !== undefined) permission.group = group;
    if (mode !== undefined) permission.mode = mode;
    if (acls !== undefined) permission.acls = acls;
    if (context !== undefined) permission.context = context;
    out.push(permission);
  });
  return out;
}

/** CodeDeploy's "simple glob": `*` is the only wildcard and it never crosses a "/". "**" alone means everything. */
function checkGlob(glob: string, path: string, problems: ProblemList): void {
  if (glob === '**') return;
  if (glob.includes('/')) {
    problems.add(path, `"${glob}" must be a name pattern without "/" (it matches names directly inside object)`);
  } else if (/[?[\]{}]/.test(glob)) {
    problems.add(path, `"${glob}" uses unsupported glob syntax; only "*" is supported`);
  }
}

function readTypes(value: unknown, path: string, problems: ProblemList): PermissionType[] {
  if (value === undefined || value === null) return [...TYPES];
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, `type must be a non-empty list of file and/or directory, got ${describe(value)}`);
    return [];
  }
  const out: PermissionType[] = [];
  value.forEach((item, i) => {
    const t = TYPES.find((candidate) => candidate === item);
    if (t) out.push(t);
    else problems.add(`${path}[${i}]`, `type must be file or directory, got ${describe(item)}`);
  });
  return out;
}

function readContext(value: unknown, path: string, problems: ProblemList): SelinuxContext | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMapValue(value)) {
    problems.add(path, `context must be a map with type (and optionally name and range), got ${describe(value)}`);
    return undefined;
  }
  reportUnknownKeys(value, CONTEXT_KEYS, path, problems);
  const type = readText(value, 'type', path, problems, { required: true });
  const name = readText(value, 'name', path, problems, { required: false }) ?? readText(value, 'user', path, problems, { required: false });
  const range = readText(value, 'range', path, problems, { required: false });
  if (type === undefined) return undefined;
  const context: SelinuxContext = { type };
  if (name !== undefined) context.name = name;
  if (range !== undefined) context.range = range;
  return context;
}
