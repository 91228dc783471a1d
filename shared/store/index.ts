import type { Redis } from 'ioredis';
import { createKeys, type Keys } from './keys.js';
import { Catalog } from './catalog.js';
import { Instances } from './instances.js';
import { Deployments } from './deployments.js';
import { Commands } from './commands.js';
import { EventStreams } from './events.js';
import { DeploymentControl } from './deployment-control.js';
import { ScriptLogs } from './script-logs.js';
import { Notifications } from './notifications.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { Tokens } from './tokens.js';
import { Accounts } from './accounts.js';
import { AuditLog } from './audit.js';

/** The Redis store: the system of record, one repository per kind of record. */
export interface Store {
  redis: Redis;
  keys: Keys;
  catalog: Catalog;
  instances: Instances;
  deployments: Deployments;
  commands: Commands;
  events: EventStreams;
  /** Stop, rollback and redeploy bookkeeping. */
  control: DeploymentControl;
  logs: ScriptLogs;
  notifications: Notifications;
  webhookDeliveries: WebhookDeliveries;
  /** Api and enrollment tokens of accounts (instance tokens: Instances). */
  tokens: Tokens;
  /** Accounts and the grants between them. */
  accounts: Accounts;
  audit: AuditLog;
}

export function createStore(redis: Redis, prefix: string): Store {
  const keys = createKeys(prefix);
  return {
    redis,
    keys,
    catalog: new Catalog(redis, keys),
    instances: new Instances(redis, keys),
    deployments: new Deployments(redis, keys),
    commands: new Commands(redis, keys),
    events: new EventStreams(redis, keys),
    control: new DeploymentControl(redis, keys),
    logs: new ScriptLogs(redis, keys),
    notifications: new Notifications(redis, keys),
    webhookDeliveries: new WebhookDeliveries(redis, keys),
    tokens: new Tokens(redis, keys),
    accounts: new Accounts(redis, keys),
    audit: new AuditLog(redis, keys),
  };
}
