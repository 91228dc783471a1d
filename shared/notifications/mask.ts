/**
 * Slack and webhook URLs carry their credential in the path, so they are secrets like the
 * webhook signing secret: API answers show a masked form, logs and delivery records never the
 * real one.
 */
import type { DeploymentGroup } from '../domain/types.js';
import type { TriggerConfig, TriggerTarget } from '../domain/triggers.js';

export const MASK = '****';

/** `https://hooks.slack.com/services/T0/B0/XYZabcd` → `https://hooks.slack.com/****abcd`. */
export function maskUrl(url: string): string {
  let origin = '';
  try {
    origin = new URL(url).origin;
  } catch {
    return MASK;
  }
  const tail = url.length > origin.length + 12 ? url.slice(-4) : '';
  return `${origin}/${MASK}${tail}`;
}

export function maskTarget(target: TriggerTarget): TriggerTarget {
  switch (target.type) {
    case 'email':
      return target;
    case 'slack':
      return { type: 'slack', url: maskUrl(target.url) };
    case 'webhook':
      return { type: 'webhook', url: maskUrl(target.url), secret: MASK };
  }
}

/** How a delivery record names its target: the email addresses, or the masked URL. */
export function describeTarget(target: TriggerTarget): string {
  return target.type === 'email' ? target.to.join(', ') : maskUrl(target.url);
}

export function maskTriggers(triggers: readonly TriggerConfig[]): TriggerConfig[] {
  return triggers.map((t) => ({ ...t, targets: t.targets.map(maskTarget) }));
}

/** A deployment group as the API shows it. */
export function publicGroup(group: DeploymentGroup): DeploymentGroup {
  return group.triggerConfigurations ? { ...group, triggerConfigurations: maskTriggers(group.triggerConfigurations) } : group;
}

/** Replace every secret (and URL user-info) in a text that may reach a log or a record. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(secret.startsWith('http') ? maskUrl(secret) : MASK);
  }
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, `$1${MASK}@`);
}
