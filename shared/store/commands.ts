/**
 * Agent commands: one per run of consecutive script events on one instance. A command is Open
 * from its creation until the agent reports it complete (or the control plane gives up on the
 * agent); open commands are listed per instance so a poll is two reads.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { getJson, mgetJson } from './json.js';
import type { AgentCommand } from '../protocol.js';

export interface CommandRecord {
  command: AgentCommand;
  instanceName: string;
  state: 'Open' | 'Closed';
  createdAt: string;
  /** When the control plane stops waiting: the sum of the events' script timeouts plus a grace. */
  deadlineAt: string;
  closedAt?: string;
  /** 'agent' when the agent reported it complete; 'control-plane' when Cutover gave up on it. */
  closedBy?: 'agent' | 'control-plane';
  cancelRequested?: boolean;
}

export class Commands {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  get(id: string): Promise<CommandRecord | undefined> {
    return getJson(this.redis, this.keys.command(id));
  }

  /** Several commands in one read; unknown ids are left out. */
  getMany(ids: readonly string[]): Promise<CommandRecord[]> {
    return mgetJson(this.redis, ids.map((id) => this.keys.command(id)));
  }

  /** Every open command of every instance, oldest first (the sweeper checks them). */
  async allOpen(): Promise<CommandRecord[]> {
    const ids = await this.redis.zrange(this.keys.openCommands, 0, -1);
    return mgetJson(this.redis, ids.map((id) => this.keys.command(id)));
  }

  async openFor(instanceName: string): Promise<CommandRecord[]> {
    const ids = await this.redis.smembers(this.keys.instanceCommands(instanceName));
    return mgetJson(this.redis, ids.map((id) => this.keys.command(id)));
  }
}

/** Deterministic: the same step of the same instance of the same deployment always has the same id. */
export function commandIdFor(deploymentId: string, instanceName: string, firstEvent: string): string {
  return `${deploymentId}.${instanceName}.${firstEvent}`;
}
