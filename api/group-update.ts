/**
 * UpdateDeploymentGroup, decided purely (the route reads, calls these, and writes with a guard):
 *
 * - Merge: the fields a PUT body gives replace the stored ones, the fields it leaves out keep
 *   their stored value, and a field given as null goes back to its default (or away). The two
 *   ways of naming the targets, instanceTagFilters and instanceTagSet, are one setting: giving
 *   either replaces both. The merged group is then parsed by CreateDeploymentGroupBody itself,
 *   so an updated group obeys exactly the rules of a new one.
 * - Secrets: GET masks trigger URLs, webhook secrets and the router admin token. A body that
 *   sends a masked value back (as `cutover apply` of a file copied from GET does) keeps the
 *   stored secret, but only for the same destination: a masked URL is matched to the stored URL
 *   it masks, a masked webhook secret to the stored target with that URL, a redacted admin token
 *   to the stored token of the same adminUrl. A masked value that matches nothing is a 400, so a
 *   placeholder is never stored and a secret never follows a changed destination.
 * - No rename: the group's name keys its record and every deployment names its group by it (the
 *   notifier and the git-push worker look groups up by name), so newDeploymentGroupName is refused.
 *
 * The shown form (`shownForComparison`) is what the CLI compares a file with, so it is here too.
 */
import type * as z from 'zod';
import { CreateDeploymentGroupBody, type UpdateDeploymentGroupBody } from './schemas.js';
import { REDACTED, redactLoadBalancerInfo } from './load-balancer-schema.js';
import { InvalidInputError } from '../shared/errors.js';
import { MASK, maskUrl } from '../shared/notifications/mask.js';
import { DEFAULT_DEPLOYMENT_CONFIG } from '../shared/domain/deployment-configs.js';
import type { DeploymentGroup } from '../shared/domain/types.js';
import type { TriggerConfig, TriggerTarget } from '../shared/domain/triggers.js';
import type { LoadBalancerInfo } from '../shared/domain/load-balancer.js';

export type UpdateBody = z.infer<typeof UpdateDeploymentGroupBody>;
type GroupInput = z.output<typeof CreateDeploymentGroupBody>;

/** The create body's fields: what a group record holds from its input (the rest is identity and times). */
const INPUT_KEYS: readonly string[] = Object.keys(CreateDeploymentGroupBody.in.shape);
const NAME_KEYS = ['name', 'deploymentGroupName', 'newDeploymentGroupName'];
const TARGET_KEYS = ['instanceTagFilters', 'instanceTagSet'];

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isMaskedUrl(value: unknown): value is string {
  return typeof value === 'string' && value.includes(`/${MASK}`);
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError('ValidationException', `Invalid deployment group update: ${path}: ${message}`, { issues: [{ path, message }] });
}

/** The body with every masked value sent back replaced by the stored secret it stands for. */
export function keepStoredSecrets(body: unknown, stored: DeploymentGroup): unknown {
  if (!isObject(body)) return body;
  const out: Fields = { ...body };
  if (Array.isArray(body.triggerConfigurations)) {
    out.triggerConfigurations = body.triggerConfigurations.map((trigger: unknown, i) =>
      isObject(trigger) && Array.isArray(trigger.targets)
        ? { ...trigger, targets: trigger.targets.map((target: unknown, j) => unmaskTarget(target, trigger.triggerName, j, stored.triggerConfigurations ?? [], `triggerConfigurations.${i}.targets.${j}`)) }
        : trigger,
    );
  }
  if (isObject(body.loadBalancerInfo) && isObject(body.loadBalancerInfo.builtin) && body.loadBalancerInfo.builtin.adminToken === REDACTED) {
    const builtin = body.loadBalancerInfo.builtin;
    const storedBuiltin = stored.loadBalancerInfo?.builtin;
    if (!storedBuiltin || storedBuiltin.adminUrl !== builtin.adminUrl) {
      throw invalid('loadBalancerInfo.builtin.adminToken', `is the ${REDACTED} placeholder, and no token is stored for this adminUrl: send the token`);
    }
    out.loadBalancerInfo = { ...body.loadBalancerInfo, builtin: { ...builtin, adminToken: storedBuiltin.adminToken } };
  }
  return out;
}

function unmaskTarget(target: unknown, triggerName: unknown, index: number, triggers: readonly TriggerConfig[], path: string): unknown {
  if (!isObject(target) || (target.type !== 'slack' && target.type !== 'webhook')) return target;
  const type = target.type;
  const urlMasked = isMaskedUrl(target.url);
  const secretMasked = type === 'webhook' && target.secret === MASK;
  if (!urlMasked && !secretMasked) return target;
  const sameUrl = (s: TriggerTarget) => s.type === type && (urlMasked ? maskUrl(s.url) === target.url : s.url === target.url);
  const found = pickStored(triggers, triggerName, index, sameUrl);
  if (found === 'none') {
    throw invalid(urlMasked ? `${path}.url` : `${path}.secret`, `is a masked value that matches no stored ${type} target of this group: send the real ${urlMasked ? 'URL' : 'secret'}`);
  }
  if (found === 'ambiguous') throw invalid(`${path}.${urlMasked ? 'url' : 'secret'}`, `is a masked value that matches several stored targets: send the real ${urlMasked ? 'URL' : 'secret'}`);
  if (found.type === 'slack') return { ...target, url: found.url };
  if (found.type === 'webhook') return { ...target, url: found.url, ...(secretMasked ? { secret: found.secret } : {}) };
  return target;
}

/** The stored target a masked one stands for: same trigger and position first, then the same trigger, then any. */
function pickStored(triggers: readonly TriggerConfig[], triggerName: unknown, index: number, matches: (t: TriggerTarget) => boolean): TriggerTarget | 'none' | 'ambiguous' {
  const own = triggers.find((t) => t.triggerName === triggerName);
  const atIndex = own?.targets[index];
  if (atIndex && matches(atIndex)) return atIndex;
  for (const pool of [own?.targets ?? [], triggers.flatMap((t) => t.targets)]) {
    const hits = pool.filter(matches);
    if (hits.length === 0) continue;
    return new Set(hits.map((h) => JSON.stringify(h))).size === 1 ? hits[0] : 'ambiguous';
  }
  return 'none';
}

/** CodeDeploy's UpdateDeploymentGroup renames with newDeploymentGroupName; Cutover does not (see the header). */
export function refuseRename(groupName: string, body: UpdateBody): void {
  for (const key of NAME_KEYS) {
    const value = (body as Fields)[key];
    if (value !== undefined && value !== null && value !== groupName) {
      throw invalid(key, `deployment groups cannot be renamed (the name keys the group and its deployments); it must be ${groupName} or left out`);
    }
  }
}

/** The stored group as a create body, with the update's fields laid over it (null removes). */
export function updatedInput(stored: DeploymentGroup, body: UpdateBody): Fields {
  const input: Fields = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!INPUT_KEYS.includes(key) || NAME_KEYS.includes(key) || value === undefined) continue;
    // A record holds both target forms, one of them empty; the create body takes one.
    if (TARGET_KEYS.includes(key) && Array.isArray(value) && value.length === 0) continue;
    input[key] = value;
  }
  input.name = stored.deploymentGroupName;
  const fields = Object.entries(body as Fields).filter(([key, value]) => !NAME_KEYS.includes(key) && value !== undefined);
  if (fields.some(([key]) => TARGET_KEYS.includes(key))) for (const key of TARGET_KEYS) delete input[key];
  for (const [key, value] of fields) {
    if (value === null) delete input[key];
    else input[key] = value;
  }
  return input;
}

/** The identity and times of a group: everything its create body did not set. */
export function identityOf(group: DeploymentGroup): Pick<DeploymentGroup, 'applicationName' | 'deploymentGroupName' | 'deploymentGroupId' | 'createTime'> {
  return Object.fromEntries(Object.entries(group).filter(([key]) => !INPUT_KEYS.includes(key) || key === 'deploymentGroupName')) as Pick<
    DeploymentGroup,
    'applicationName' | 'deploymentGroupName' | 'deploymentGroupId' | 'createTime'
  >;
}

/**
 * A group record from its identity and a parsed create body: every field the body has, none it
 * left undefined. Create and update share it, so a field added to the body is stored by both.
 */
export function groupRecord(identity: ReturnType<typeof identityOf>, input: GroupInput): DeploymentGroup {
  const { name: _name, ...fields } = input;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return { ...identity, ...defined, deploymentConfigName: input.deploymentConfigName ?? DEFAULT_DEPLOYMENT_CONFIG } as DeploymentGroup;
}

/**
 * A group's settings as GET shows them, from a file's or a GET's values alike (a masked value
 * stays as it is): what `cutover apply` compares, and all it ever prints of a secret.
 */
export function shownForComparison(fields: Fields): Fields {
  const out = { ...fields };
  if (Array.isArray(fields.triggerConfigurations)) {
    out.triggerConfigurations = (fields.triggerConfigurations as TriggerConfig[]).map((t) => ({ ...t, targets: t.targets.map(shownTarget) }));
  }
  if (isObject(fields.loadBalancerInfo)) out.loadBalancerInfo = redactLoadBalancerInfo(fields.loadBalancerInfo as unknown as LoadBalancerInfo);
  return out;
}

function shownTarget(target: TriggerTarget): TriggerTarget {
  const url = (u: string) => (isMaskedUrl(u) ? u : maskUrl(u));
  if (target.type === 'slack') return { type: 'slack', url: url(target.url) };
  if (target.type === 'webhook') return { type: 'webhook', url: url(target.url), secret: MASK };
  return target;
}

/**
 * A file's group fields with masked secrets swapped for a valid stand-in, only to check the rest
 * locally with the create schema (a placeholder is shorter than a secret may be). The body sent
 * keeps the masked value, for the server to resolve.
 */
export function withSecretStandIns(fields: Fields): Fields {
  const standIn = 'masked-secret-stand-in';
  const out = { ...fields };
  if (Array.isArray(fields.triggerConfigurations)) {
    out.triggerConfigurations = fields.triggerConfigurations.map((t: unknown) =>
      isObject(t) && Array.isArray(t.targets) ? { ...t, targets: t.targets.map((x: unknown) => (isObject(x) && x.secret === MASK ? { ...x, secret: standIn } : x)) } : t,
    );
  }
  const lb = fields.loadBalancerInfo;
  if (isObject(lb) && isObject(lb.builtin) && lb.builtin.adminToken === REDACTED) out.loadBalancerInfo = { ...lb, builtin: { ...lb.builtin, adminToken: standIn } };
  return out;
}
