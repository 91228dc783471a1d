/**
 * Notification triggers (CodeDeploy's triggerConfigurations) and a group's git source: what a
 * deployment group says about who hears of its deployments and which pushes start one.
 */

/** CodeDeploy's TriggerEventType values, exactly. The *Ready events are blue/green only. */
export const TRIGGER_EVENTS = [
  'DeploymentStart',
  'DeploymentSuccess',
  'DeploymentFailure',
  'DeploymentStop',
  'DeploymentRollback',
  'DeploymentReady',
  'InstanceStart',
  'InstanceSuccess',
  'InstanceFailure',
  'InstanceReady',
] as const;
export type TriggerEventType = (typeof TRIGGER_EVENTS)[number];

/** Where a trigger sends: an email (one message to all `to`), a Slack incoming webhook, or a signed generic webhook. */
export type TriggerTarget =
  | { type: 'email'; to: string[] }
  | { type: 'slack'; url: string }
  | { type: 'webhook'; url: string; secret: string };
export type ChannelType = TriggerTarget['type'];

export interface TriggerConfig {
  triggerName: string;
  triggerEvents: TriggerEventType[];
  targets: TriggerTarget[];
}

export type GitProvider = 'GitHub' | 'GitLab';

export interface GitSource {
  provider: GitProvider;
  /** `owner/name` (GitHub full_name, GitLab path_with_namespace); matched case-insensitively. */
  repository: string;
  /** A push to this branch deploys. */
  branch: string;
  /** Where to fetch from; the push payload's clone URL when absent. */
  cloneUrl?: string;
  /** Names the webhook secret in config (`CUTOVER_WEBHOOK_SECRET_<REF>`); never the secret itself. */
  secretRef: string;
}
