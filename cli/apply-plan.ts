/**
 * `cutover apply`: the declarative file (cutover.yml), checked with the api's own request
 * schemas (every problem at once, with its line), and the plan: what to create, what to update,
 * what is already as the file says. Pure: reading the server and applying live in the command.
 *
 *   applications:
 *     web:
 *       deploymentGroups:
 *         prod:                                   # any field POST .../deployment-groups takes
 *           deploymentConfigName: CodeDeployDefault.HalfAtATime
 *           instanceTagFilters: [{ key: app, value: web }]
 *   deploymentConfigs:
 *     TwoAtATime:
 *       minimumHealthyHosts: { type: HOST_COUNT, value: 2 }
 *
 * A field left out of the file is left as it is on the server. Secrets (trigger URLs, webhook
 * secrets, the router admin token) are compared as GET shows them, masked, so a file with them in
 * clear or masked (copied from GET) is unchanged against the same server; a secret changed behind
 * the same mask is not seen (the server keeps a masked value's stored secret on update).
 */
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { CreateDeploymentConfigBody, CreateDeploymentGroupBody, ResourceName } from '../api/schemas.js';
import { lineFor } from '../shared/appspec/index.js';
import { loadYaml } from '../shared/appspec/yaml-source.js';
import { shownForComparison, withSecretStandIns } from '../api/group-update.js';

const Sections = {
  applications: z.record(ResourceName, z.strictObject({ deploymentGroups: z.record(ResourceName, z.record(z.string(), z.unknown())).optional() }).nullable()).optional(),
  deploymentConfigs: z.record(ResourceName, z.record(z.string(), z.unknown())).optional(),
};
const FileSchema = z.strictObject(Sections);
/** The same without the unknown-key check, so one misspelt top-level key does not hide the problems below it. */
const LenientFileSchema = z.looseObject(Sections);

export interface FileProblem {
  path: string;
  line?: number;
  message: string;
}

export interface DesiredConfig {
  name: string;
  body: Record<string, unknown>;
  /** The fields the file sets, as the api's schema reads them: compared with the server's config. */
  normalized: Record<string, unknown>;
}

export interface DesiredGroup {
  application: string;
  name: string;
  /** What is sent to the api (the file's fields plus the name). */
  body: Record<string, unknown>;
  /** The same, as the api's schema reads it and GET shows it (secrets masked): compared with the server's answer. */
  normalized: Record<string, unknown>;
}

export interface Desired {
  applications: string[];
  configs: DesiredConfig[];
  groups: DesiredGroup[];
}

export type ParsedFile = { ok: true; desired: Desired } | { ok: false; problems: FileProblem[] };

export function parseApplyFile(text: string): ParsedFile {
  const loaded = loadYaml(text);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const problems: FileProblem[] = [];
  const add = (path: (string | number)[], message: string) => {
    const p = toPath(path);
    problems.push({ path: p, line: lineFor(loaded.lines, p), message });
  };
  const strict = FileSchema.safeParse(loaded.value ?? {});
  if (!strict.success) {
    for (const issue of strict.error.issues) {
      const at = issue.path as (string | number)[];
      // An unknown key is reported at its own line.
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add([...at, key], `unknown key "${key}" (expected applications or deploymentConfigs)`);
    }
  }
  const top = LenientFileSchema.safeParse(loaded.value ?? {});
  if (!top.success) {
    for (const issue of top.error.issues) add(issue.path as (string | number)[], issue.message);
    return { ok: false, problems };
  }
  const desired: Desired = { applications: [], configs: [], groups: [] };
  for (const [name, fields] of Object.entries(top.data.deploymentConfigs ?? {})) {
    const body = { ...fields, name };
    const parsed = CreateDeploymentConfigBody.safeParse(body);
    if (!parsed.success) for (const issue of parsed.error.issues) add(['deploymentConfigs', name, ...(issue.path as (string | number)[])], issue.message);
    else desired.configs.push({ name, body, normalized: fileFields(parsed.data, fields) });
  }
  for (const [application, app] of Object.entries(top.data.applications ?? {})) {
    desired.applications.push(application);
    for (const [name, fields] of Object.entries(app?.deploymentGroups ?? {})) {
      const body = { ...fields, name };
      const parsed = CreateDeploymentGroupBody.safeParse(withSecretStandIns(body));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) add(['applications', application, 'deploymentGroups', name, ...(issue.path as (string | number)[])], issue.message);
        continue;
      }
      const normalized = shownForComparison(fileFields(parsed.data, fields));
      desired.groups.push({ application, name, body, normalized });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, desired };
}

/** Only what the file sets is compared: defaults the schema fills in are the server's business. */
function fileFields(parsed: object, fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parsed).filter(([k, v]) => k !== 'name' && v !== undefined && k in fields));
}

export interface Current {
  applications: Set<string>;
  configs: Map<string, Record<string, unknown>>;
  /** By `app/name`. */
  groups: Map<string, Record<string, unknown>>;
}

export type Action = 'create' | 'update' | 'unchanged' | 'conflict';

export interface PlanItem {
  kind: 'application' | 'deploymentConfig' | 'deploymentGroup';
  name: string;
  application?: string;
  action: Action;
  /** For update and conflict: field → [server, file]. */
  changes?: Record<string, [unknown, unknown]>;
  reason?: string;
  body?: Record<string, unknown>;
}

export function plan(desired: Desired, current: Current): PlanItem[] {
  const items: PlanItem[] = [];
  for (const name of desired.applications) {
    items.push({ kind: 'application', name, action: current.applications.has(name) ? 'unchanged' : 'create' });
  }
  for (const config of desired.configs) {
    const existing = current.configs.get(config.name);
    if (!existing) {
      items.push({ kind: 'deploymentConfig', name: config.name, action: 'create', body: config.body });
      continue;
    }
    const changes = diff(existing, config.normalized);
    items.push(
      Object.keys(changes).length === 0
        ? { kind: 'deploymentConfig', name: config.name, action: 'unchanged' }
        : // CodeDeploy has no UpdateDeploymentConfig: configs are immutable once created.
          { kind: 'deploymentConfig', name: config.name, action: 'conflict', changes, reason: 'deployment configs cannot be changed; create one with a new name' },
    );
  }
  for (const group of desired.groups) {
    const existing = current.groups.get(`${group.application}/${group.name}`);
    if (!existing) {
      items.push({ kind: 'deploymentGroup', application: group.application, name: group.name, action: 'create', body: group.body });
      continue;
    }
    const changes = diff(existing, group.normalized);
    items.push({
      kind: 'deploymentGroup',
      application: group.application,
      name: group.name,
      action: Object.keys(changes).length === 0 ? 'unchanged' : 'update',
      ...(Object.keys(changes).length > 0 ? { changes, body: group.body } : {}),
    });
  }
  return items;
}

/** The fields of `wanted` whose value differs on the server. */
function diff(existing: Record<string, unknown>, wanted: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const have = existing[key];
    if (!isDeepStrictEqual(normalize(have), normalize(value)) && !(isEmpty(value) && have === undefined)) changes[key] = [have, value];
  }
  return changes;
}

/** JSON round trip: drops undefined fields so optional ones compare equal. */
function normalize(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function toPath(parts: (string | number)[]): string {
  return parts.reduce<string>((p, part) => (typeof part === 'number' ? `${p}[${part}]` : p === '' ? String(part) : `${p}.${part}`), '');
}
