/**
 * parseAppSpec: appspec.yml text → a normalized AppSpec, or every problem found (not just the
 * first), each with its field path and line. Mirrors the CodeDeploy agent's checks and adds the
 * ones it leaves to run time (unknown keys, timeouts over the event limit, escaping paths).
 */
import { describe, isMapValue, reportUnknownKeys } from './fields.js';
import { ProblemList } from './problem-paths.js';
import { readFileExistsBehavior, readFiles } from './read-files.js';
import { readHooks } from './read-hooks.js';
import { readPermissions } from './read-permissions.js';
import type { AppSpec, ParseAppSpecResult } from './types.js';
import { loadYaml } from './yaml-source.js';

const TOP_LEVEL_KEYS = ['version', 'os', 'files', 'file_exists_behavior', 'permissions', 'hooks'] as const;

export function parseAppSpec(text: string): ParseAppSpecResult {
  const loaded = loadYaml(text);
  if (!loaded.ok) return loaded;
  const problems = new ProblemList(loaded.lines);
  const root = loaded.value;
  if (root === null || root === undefined) {
    problems.add('', 'the appspec is empty; it needs at least version: 0.0 and os: linux');
    return { ok: false, problems: problems.items };
  }
  if (!isMapValue(root)) {
    problems.add('', `the appspec must be a YAML map (version, os, files, hooks…), got ${describe(root)}`);
    return { ok: false, problems: problems.items };
  }
  reportUnknownKeys(root, TOP_LEVEL_KEYS, '', problems);
  checkVersion(root.version, loaded.scalarSources.version, problems);
  checkOs(root.os, problems);
  const files = readFiles(root.files, problems);
  const fileExistsBehavior = readFileExistsBehavior(root.file_exists_behavior, problems);
  const permissions = readPermissions(root.permissions, loaded.scalarSources, problems);
  const hooks = readHooks(root.hooks, problems);
  const appspec: AppSpec = {
    version: '0.0',
    os: 'linux',
    files,
    ...(fileExistsBehavior ? { fileExistsBehavior } : {}),
    permissions,
    hooks,
    sourceLines: loaded.lines,
  };
  // With problems, what did parse still goes back (`partial`), so its scripts and sources can be checked too.
  if (problems.items.length > 0) return { ok: false, problems: problems.items, partial: appspec };
  return { ok: true, appspec };
}

function checkVersion(value: unknown, writtenAs: string | undefined, problems: ProblemList): void {
  // YAML reads an unquoted 0.0 as the number 0; CodeDeploy compares with 0.0, so 0 passes too.
  if (value === 0 || value === '0.0') return;
  const got = value === undefined || value === null ? 'none' : (writtenAs ?? JSON.stringify(value));
  problems.add('version', `version must be 0.0 (got ${got})`);
}

function checkOs(value: unknown, problems: ProblemList): void {
  if (value === 'linux') return;
  if (value === 'windows') {
    problems.add('os', 'only linux hosts are supported (os: windows)');
  } else if (value === undefined || value === null) {
    problems.add('os', 'os is required; Cutover supports os: linux');
  } else {
    problems.add('os', `os must be linux, got ${describe(value)}`);
  }
}
