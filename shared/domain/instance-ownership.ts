/**
 * Instances belong to an account: the one whose enrollment token registered them. Only that
 * account's deployment groups target them, whatever their tags (a grant hands another account a
 * deployment group, never hosts), and their name stays that account's while the record exists,
 * Deregistered included. Pure rules; Instances.register and the schedulers apply them.
 */
import { accountOf } from './access.js';
import { isTargeted, type Tags, type TargetSelector } from './tag-filters.js';
import type { InstanceInfo } from './types.js';

type Targetable = Pick<InstanceInfo, 'instanceName' | 'registrationStatus' | 'tags' | 'accountId'>;

/** Whether a group (or a deployment's copy of its filters) of `accountId` targets the instance. */
export function targets(selector: TargetSelector, accountId: string, instance: Targetable): boolean {
  return instance.registrationStatus === 'Registered' && accountOf(instance) === accountId && isTargeted(instance.tags, selector);
}

/** The instances a group of `accountId` targets, by name. */
export function targetedInstances<T extends Targetable>(instances: readonly T[], selector: TargetSelector, accountId: string): T[] {
  return instances.filter((i) => targets(selector, accountId, i)).sort((a, b) => a.instanceName.localeCompare(b.instanceName));
}

export interface RegistrationRequest {
  name: string;
  tags: Tags;
  hostname?: string;
  agentVersion?: string;
  /** The enrollment token's account. */
  accountId: string;
  now: Date;
}

export type RegistrationDecision =
  | { ok: true; info: InstanceInfo }
  /** The name is another account's (Registered or Deregistered): nothing is written. */
  | { ok: false; code: 'InstanceNameAlreadyRegisteredException'; message: string };

/**
 * What registering `request` over the record `previous` (if any) writes. The same account may
 * register a name again (a reinstalled host, new tags): it keeps its first registerTime while it
 * stayed Registered. Another account's name is refused without saying whose it is.
 */
export function decideRegistration(previous: InstanceInfo | undefined, request: RegistrationRequest): RegistrationDecision {
  if (previous && accountOf(previous) !== request.accountId) {
    return {
      ok: false,
      code: 'InstanceNameAlreadyRegisteredException',
      message: `The instance name ${request.name} is already registered by another account; register this host under another name.`,
    };
  }
  const info: InstanceInfo = {
    instanceName: request.name,
    tags: request.tags,
    registrationStatus: 'Registered',
    registerTime: previous?.registrationStatus === 'Registered' ? previous.registerTime : request.now.toISOString(),
    ...(request.hostname !== undefined ? { hostname: request.hostname } : {}),
    ...(request.agentVersion !== undefined ? { agentVersion: request.agentVersion } : {}),
    accountId: request.accountId,
  };
  return { ok: true, info };
}
