/**
 * Stop, rollback and redeploy bookkeeping: the stop request, agent cancel flags, the hand-over
 * of a group's slot once a closed deployment's rollback is settled, each group's last attempted
 * and successful deployment, and the revision each instance runs per group. Every write is one of
 * the guarded scripts in ./lua (see their headers); a lost race comes back as a result, not an error.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';
import type { CommandRecord } from './commands.js';
import type { ErrorInformation, InstanceTarget } from '../domain/types.js';
import type { RollbackInfo } from '../domain/rollback.js';

export type StopRequestResult = 'requested' | 'already' | 'conflict' | 'not-running';

/**
 * What an instance runs for one deployment group: the revision of the last deployment that reached
 * it, and how that ended there (after a failure the host may hold part of that revision).
 */
export interface InstanceRevision {
  deploymentId: string;
  status: 'Succeeded' | 'Failed';
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  digest: string;
  startTime: string;
  /** Epoch ms when it was recorded. */
  recordedAt: string;
}

export interface GroupLast {
  lastAttempted?: string;
  lastSuccessful?: string;
  /** Blue/green: the pool that took the traffic after the group's last successful blue/green deployment. */
  livePool?: string;
}

export class DeploymentControl {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Mark an InProgress deployment stopping and skip its waiting instances (guarded by `expectedRev`). */
  async requestStop(
    deploymentId: string,
    expectedRev: string,
    skipped: readonly InstanceTarget[],
    error: ErrorInformation,
    autoRollbackEnabled: boolean | undefined,
  ): Promise<StopRequestResult> {
    const k = this.keys;
    const pairs = skipped.flatMap((t) => [t.targetId, JSON.stringify(t)]);
    const rollback = autoRollbackEnabled === undefined ? '' : autoRollbackEnabled ? '1' : '0';
    return (await runScript(
      this.redis,
      'request-stop',
      [k.deployment(deploymentId), k.targets(deploymentId), k.waiting(deploymentId), ...this.streams(deploymentId)],
      [expectedRev, JSON.stringify(error), rollback, deploymentId, ...pairs],
    )) as StopRequestResult;
  }

  /**
   * Set the cancel flag of an open command, so its agent kills the running hook (and wake its poll).
   * Returns false when there is nothing to do: the command is closed, gone, or already cancelled.
   */
  async cancelCommand(commandId: string): Promise<boolean> {
    const key = this.keys.command(commandId);
    for (let attempt = 0; attempt < 10; attempt++) {
      const raw = await this.redis.get(key);
      if (!raw) return false;
      const record = JSON.parse(raw) as CommandRecord;
      if (record.state !== 'Open' || record.cancelRequested) return false;
      const updated: CommandRecord = { ...record, cancelRequested: true };
      const marked = await runScript(this.redis, 'cancel-command', [key], [raw, JSON.stringify(updated), this.keys.wakeChannel, record.instanceName]);
      if (marked === 1) return true;
    }
    return false;
  }

  /** Record the rollback outcome of a closed deployment and pass its group's slot on. */
  async settleRollback(
    deploymentId: string,
    groupId: string,
    rollbackDeploymentId: string | undefined,
    info: RollbackInfo,
  ): Promise<{ result: 'settled' | 'already'; nextDeploymentId?: string }> {
    const k = this.keys;
    const [result, next] = (await runScript(
      this.redis,
      'settle-rollback',
      [k.deployment(deploymentId), k.rollbacksPending, k.groupLock(groupId), k.groupQueue(groupId), ...this.streams(deploymentId)],
      [deploymentId, rollbackDeploymentId ?? '', JSON.stringify(info)],
    )) as ['settled' | 'already', string];
    return { result, nextDeploymentId: next || undefined };
  }

  /** Link a manual rollback to the deployment it replaces; returns the rollback linked (an earlier one wins). */
  async linkRollback(deploymentId: string, rollbackDeploymentId: string, info: RollbackInfo): Promise<string> {
    return (await runScript(
      this.redis,
      'link-rollback',
      [this.keys.deployment(deploymentId), ...this.streams(deploymentId)],
      [deploymentId, rollbackDeploymentId, JSON.stringify(info)],
    )) as string;
  }

  /** Closed deployments whose rollback is still to be settled (the sweeper re-triggers them). */
  pendingRollbacks(): Promise<string[]> {
    return this.redis.smembers(this.keys.rollbacksPending);
  }

  async groupLast(groupId: string): Promise<GroupLast> {
    const [lastAttempted, lastSuccessful, livePool] = await this.redis.hmget(this.keys.groupLast(groupId), 'lastAttempted', 'lastSuccessful', 'livePool');
    return { lastAttempted: lastAttempted ?? undefined, lastSuccessful: lastSuccessful ?? undefined, livePool: livePool ?? undefined };
  }

  /** The revision each of `instanceNames` last got from the group (absent: never deployed there). */
  async instanceRevisions(groupId: string, instanceNames: readonly string[]): Promise<Map<string, InstanceRevision>> {
    const result = new Map<string, InstanceRevision>();
    if (instanceNames.length === 0) return result;
    const pipeline = this.redis.pipeline();
    for (const name of instanceNames) pipeline.hget(this.keys.instance(name), `rev:${groupId}`);
    const rows = (await pipeline.exec()) ?? [];
    rows.forEach(([, raw], i) => {
      if (typeof raw === 'string') result.set(instanceNames[i], JSON.parse(raw) as InstanceRevision);
    });
    return result;
  }

  /** Every group's revision on one instance. */
  async revisionsOf(instanceName: string): Promise<InstanceRevision[]> {
    const all = await this.redis.hgetall(this.keys.instance(instanceName));
    return Object.entries(all)
      .filter(([field]) => field.startsWith('rev:'))
      .map(([, raw]) => JSON.parse(raw) as InstanceRevision)
      .sort((a, b) => a.applicationName.localeCompare(b.applicationName) || a.deploymentGroupName.localeCompare(b.deploymentGroupName));
  }

  private streams(id: string): [string, string] {
    return [this.keys.deploymentEvents(id), this.keys.allEvents];
  }
}
