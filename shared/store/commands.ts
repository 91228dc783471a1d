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

  /**
   * The ids of every open command of every instance, oldest first (the sweeper checks them): a
   * caller walking thousands reads the records a page at a time (getMany), not all at once.
   */
  openIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.openCommands, 0, -1);
  }

  async openFor(instanceName: string): Promise<CommandRecord[]> {
    const ids = await this.redis.smembers(this.keys.instanceCommands(instanceName));
    return mgetJson(this.redis, ids.map((id) => this.keys.command(id)));
  }

  /**
   * Whether an instance token may download the bundle `digest`: one of the instance's open
   * commands installs it (the agent downloads right after it hears of the command, and a restarted
   * agent resumes the same still-open command), or a deployment of some group already ended on the
   * instance with it (its `rev:<group>` record: a command closed just before a late retry; the host
   * has had that bundle, so handing it again tells nothing). Any other digest, including one of
   * another instance's deployments, is refused exactly as a missing bundle is.
   * One round trip for the open set and the instance's revisions, a second (MGET) only when those
   * revisions do not already answer.
   */
  async reachesBundle(instanceName: string, digest: string): Promise<boolean> {
    const [[setErr, ids], [hashErr, fields]] = ((await this.redis
      .pipeline()
      .smembers(this.keys.instanceCommands(instanceName))
      .hgetall(this.keys.instance(instanceName))
      .exec()) ?? []) as [[Error | null, string[]], [Error | null, Record<string, string>]];
    if (setErr) throw setErr;
    if (hashErr) throw hashErr;
    const recorded = Object.entries(fields).some(([field, raw]) => field.startsWith('rev:') && (JSON.parse(raw) as { digest?: string }).digest === digest);
    if (recorded) return true;
    if (ids.length === 0) return false;
    const open = await mgetJson<CommandRecord>(this.redis, ids.map((id) => this.keys.command(id)));
    return open.some((record) => record.instanceName === instanceName && record.command.revision.digest === digest);
  }
}

/** Deterministic: the same step of the same instance of the same deployment always has the same id. */
export function commandIdFor(deploymentId: string, instanceName: string, firstEvent: string): string {
  return `${deploymentId}.${instanceName}.${firstEvent}`;
}
