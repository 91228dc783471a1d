import type { Redis } from 'ioredis';
import { createKeys, type Keys } from './keys.js';
import { Catalog } from './catalog.js';
import { Instances } from './instances.js';
import { Deployments } from './deployments.js';
import { Commands } from './commands.js';
import { EventStreams } from './events.js';

/** The Redis store: the system of record, one repository per kind of record. */
export interface Store {
  redis: Redis;
  keys: Keys;
  catalog: Catalog;
  instances: Instances;
  deployments: Deployments;
  commands: Commands;
  events: EventStreams;
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
  };
}
