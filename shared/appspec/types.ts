/**
 * The EC2/on-premises AppSpec (appspec.yml, version 0.0) as Cutover uses it once parsed:
 * camelCase, defaults filled in, modes as numbers. Field meanings follow CodeDeploy's docs.
 */
import type { HookEventName } from '../domain/lifecycle.js';
import type { FileExistsBehavior } from '../domain/types.js';

export type ProblemSeverity = 'error' | 'warning';

/** One thing wrong with an appspec. `path` names the field (`hooks.AfterInstall[0].timeout`; '' = the whole file). */
export interface AppSpecProblem {
  path: string;
  /** 1-based line in appspec.yml, when known. */
  line?: number;
  message: string;
  /** Absent means 'error'. Warnings do not stop a deployment. */
  severity?: ProblemSeverity;
}

export interface AppSpecFile {
  /** Relative to the bundle root as written; "/" (or "") is the whole bundle. */
  source: string;
  /** Absolute, normalized, without a trailing slash. */
  destination: string;
}

export type PermissionType = 'file' | 'directory';

export interface SelinuxContext {
  /** The docs call it `user`; the CodeDeploy agent reads `name`. Both are accepted. */
  name?: string;
  type: string;
  range?: string;
}

export interface AppSpecPermission {
  /** Absolute, normalized path of the file or directory the entry applies to. */
  object: string;
  /** Simple glob (only `*`) matched against names directly inside `object`; "**" = everything below it. */
  pattern: string;
  except: string[];
  owner?: string;
  group?: string;
  /** Numeric mode (e.g. 0o644), including setuid/setgid/sticky bits when a fourth digit was given. */
  mode?: number;
  acls?: string[];
  context?: SelinuxContext;
  type: PermissionType[];
}

export interface HookScript {
  /** Relative to the bundle root, as written (trimmed). */
  location: string;
  timeoutSeconds: number;
  runas?: string;
}

export interface AppSpec {
  version: '0.0';
  os: 'linux';
  files: AppSpecFile[];
  /** Only when the appspec sets it; it then wins over the deployment's own setting. */
  fileExistsBehavior?: FileExistsBehavior;
  permissions: AppSpecPermission[];
  /** Events with at least one script. An event written with an empty or null list is absent. */
  hooks: Partial<Record<HookEventName, HookScript[]>>;
  /** Field path → 1-based line in the source, so later checks can point at the file. */
  sourceLines?: Record<string, number>;
}

export type ParseAppSpecResult =
  | { ok: true; appspec: AppSpec }
  /** `partial`: the entries that did parse (absent when the file is not a YAML map at all). */
  | { ok: false; problems: AppSpecProblem[]; partial?: AppSpec };

/** CodeDeploy's per-script default, and the most one lifecycle event may take. */
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600;
export const MAX_EVENT_SECONDS = 3600;
export const MAX_APPSPEC_BYTES = 1024 * 1024;
/** yaml's own default; an alias bomb needs far more expansions than a real appspec ever uses. */
export const MAX_YAML_ALIAS_COUNT = 100;
/**
 * Most YAML nodes (scalars, collections, list items) an appspec may have, counted before it is
 * parsed; an appspec with a thousand files entries has about 5,000.
 */
export const MAX_YAML_NODES = 20_000;
/** Most levels of nesting; a real appspec has about 5 (hooks → event → list → script → key). */
export const MAX_YAML_DEPTH = 64;
/** Problems reported for one appspec; a hostile one could otherwise produce one per key. */
export const MAX_APPSPEC_PROBLEMS = 100;
