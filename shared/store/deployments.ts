/**
 * Deployments, their instance targets and script logs. Reads are plain; every write goes through
 * one of the guarded scripts in ./lua, so a lost race returns `false`/"conflict" instead of
 * corrupting state, and the caller re-reads and decides again.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';
import type { CommandRecord } from './commands.js';
import type { DeploymentStatus, TargetStatus } from '../domain/statuses.js';
import type { HealthPlan } from '../domain/window.js';
import type { RollbackInfo } from '../domain/rollback.js';
import type { BlueGreenState } from '../domain/blue-green.js';
import { targetChangeEvents, type DeploymentEvent } from '../domain/events.js';
import type { DeploymentInfo, DeploymentOverview, DeploymentSpec, ErrorInformation, InstanceTarget } from '../domain/types.js';

export interface DeploymentState {
  spec: DeploymentSpec;
  status: DeploymentStatus;
  createTime: string;
  startTime?: string;
  completeTime?: string;
  error?: ErrorInformation;
  plan?: HealthPlan;
  /** A failure was decided; nothing more is released and it closes when nothing is in flight. */
  failing: boolean;
  /** A stop was requested: nothing more is released; it closes Stopped once nothing is in flight. */
  stopping?: boolean;
  /** StopDeployment's autoRollbackEnabled, when the request gave one. */
  stopRollback?: boolean;
  /** Closed, and its automatic rollback not yet settled: it still holds its group's slot. */
  rollbackPending?: boolean;
  /** This deployment's side of rollbackInfo (its rollback, or why there was none). */
  rollback?: RollbackInfo;
  rev: string;
  overview: DeploymentOverview;
  /** Blue/green deployments only: their own record (see shared/domain/blue-green.ts). */
  blueGreen?: BlueGreenState;
}

export interface DeploymentFilter {
  applicationName?: string;
  deploymentGroupId?: string;
  statuses?: readonly DeploymentStatus[];
}

export type CloseResult = { result: 'closed' | 'already' | 'conflict'; nextDeploymentId?: string };

export interface Release {
  target: InstanceTarget;
  command: CommandRecord;
}

/** Keep client tokens long enough to cover any retry (CodeDeploy keeps them for a day). */
const CLIENT_TOKEN_TTL_SECONDS = 24 * 3600;

export class Deployments {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async create(spec: DeploymentSpec, now: Date): Promise<{ created: boolean; deploymentId: string }> {
    const k = this.keys;
    const tokenKey = spec.clientToken ? k.clientToken(spec.applicationName, spec.clientToken) : k.clientToken('', '');
    const [outcome, id] = (await runScript(
      this.redis,
      'create-deployment',
      [k.deployment(spec.deploymentId), k.deployments, k.groupDeployments(spec.deploymentGroupId), k.activeDeployments, tokenKey, ...this.streams(spec.deploymentId)],
      [
        spec.deploymentId,
        now.getTime(),
        JSON.stringify(spec),
        now.toISOString(),
        spec.clientToken ? '1' : '0',
        CLIENT_TOKEN_TTL_SECONDS,
        JSON.stringify({ type: 'DeploymentStatus', deploymentId: spec.deploymentId, status: 'Created' } satisfies DeploymentEvent),
      ],
    )) as [string, string];
    return { created: outcome === 'created', deploymentId: id };
  }

  async get(id: string): Promise<DeploymentState | undefined> {
    const h = await this.redis.hgetall(this.keys.deployment(id));
    return h.spec ? toState(h) : undefined;
  }

  async list(filter: DeploymentFilter, limit = 1000): Promise<DeploymentState[]> {
    const index = filter.deploymentGroupId ? this.keys.groupDeployments(filter.deploymentGroupId) : this.keys.deployments;
    const ids = await this.redis.zrevrange(index, 0, limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.deployment(id));
    const rows = (await pipeline.exec()) ?? [];
    return rows
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h.spec)
      .map(toState)
      .filter((d) => !filter.applicationName || d.spec.applicationName === filter.applicationName)
      .filter((d) => !filter.statuses || filter.statuses.includes(d.status));
  }

  activeIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.activeDeployments);
  }

  async claimGroup(id: string, groupId: string): Promise<'active' | 'queued' | 'gone'> {
    const k = this.keys;
    return (await runScript(this.redis, 'claim-group', [k.groupLock(groupId), k.groupQueue(groupId), k.deployment(id), ...this.streams(id)], [id])) as
      | 'active'
      | 'queued'
      | 'gone';
  }

  async groupHolder(groupId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.groupLock(groupId))) ?? undefined;
  }

  /**
   * Snapshot the targets and move to InProgress. The first `waitingCount` targets (all by default)
   * wait to be released by the window, in order; a blue/green deployment's original pool is not
   * among them (its phase releases it), and its own record starts with it.
   */
  async start(
    id: string,
    plan: HealthPlan,
    targets: readonly InstanceTarget[],
    now: Date,
    options: { waitingCount?: number; blueGreen?: BlueGreenState } = {},
  ): Promise<boolean> {
    const k = this.keys;
    const pairs = targets.flatMap((t) => [t.targetId, JSON.stringify(t)]);
    const started = await runScript(
      this.redis,
      'start-deployment',
      [k.deployment(id), k.targets(id), k.waiting(id), ...this.streams(id)],
      [now.toISOString(), JSON.stringify(plan), id, options.blueGreen ? JSON.stringify(options.blueGreen) : '', options.waitingCount ?? targets.length, ...pairs],
    );
    return started === 1;
  }

  /**
   * Compare-and-set a blue/green deployment's record (`before.version` must still be stored, and
   * the status one of `from`), moving the status to `status` with it when given.
   */
  async writeBlueGreen(
    id: string,
    before: BlueGreenState | undefined,
    after: BlueGreenState,
    options: { from: readonly DeploymentStatus[]; status?: DeploymentStatus; events?: readonly DeploymentEvent[] },
  ): Promise<boolean> {
    const written = await runScript(
      this.redis,
      'write-blue-green',
      [this.keys.deployment(id), ...this.streams(id)],
      [before ? String(before.version) : '', JSON.stringify(after), options.from.join(','), options.status ?? '', JSON.stringify(options.events ?? [])],
    );
    return written === 1;
  }

  async close(
    state: Pick<DeploymentState, 'spec'>,
    from: readonly DeploymentStatus[],
    expectedRev: string | undefined,
    status: 'Succeeded' | 'Failed' | 'Stopped',
    error: ErrorInformation | undefined,
    now: Date,
    /** Keep the group's slot: an automatic rollback is decided next (see settle-rollback.lua). livePool: a blue/green success makes this pool live. */
    options: { holdForRollback?: boolean; livePool?: string } = {},
  ): Promise<CloseResult> {
    const k = this.keys;
    const { deploymentId: id, deploymentGroupId: groupId } = state.spec;
    const [result, next] = (await runScript(
      this.redis,
      'close-deployment',
      [k.deployment(id), k.activeDeployments, k.groupLock(groupId), k.groupQueue(groupId), k.rollbacksPending, k.groupLast(groupId), ...this.streams(id)],
      [id, from.join(','), expectedRev ?? '', status, now.toISOString(), error ? JSON.stringify(error) : '', options.holdForRollback ? '1' : '0', options.livePool ?? ''],
    )) as [CloseResult['result'], string];
    return { result, nextDeploymentId: next || undefined };
  }

  waitingHead(id: string, count: number): Promise<string[]> {
    return count > 0 ? this.redis.lrange(this.keys.waiting(id), 0, count - 1) : Promise.resolve([]);
  }

  waitingAll(id: string): Promise<string[]> {
    return this.redis.lrange(this.keys.waiting(id), 0, -1);
  }

  async release(id: string, expectedRev: string, releases: readonly Release[]): Promise<boolean> {
    const k = this.keys;
    const keys = [k.deployment(id), k.targets(id), k.waiting(id), k.openCommands];
    const args: string[] = [expectedRev, k.wakeChannel, String(Date.now())];
    for (const { target, command } of releases) {
      keys.push(k.command(command.command.commandId), k.instanceCommands(target.targetId));
      args.push(target.targetId, JSON.stringify(target), command.command.commandId, JSON.stringify(command));
    }
    return (await runScript(this.redis, 'release-targets', [...keys, ...this.streams(id)], args)) === 1;
  }

  async skipWaiting(id: string, expectedRev: string, skipped: readonly InstanceTarget[], error: ErrorInformation): Promise<boolean> {
    const k = this.keys;
    const pairs = skipped.flatMap((t) => [t.targetId, JSON.stringify(t)]);
    return (await runScript(this.redis, 'skip-waiting', [k.deployment(id), k.targets(id), k.waiting(id), ...this.streams(id)], [expectedRev, JSON.stringify(error), ...pairs])) === 1;
  }

  /**
   * Compare-and-set one target (`before.version` must still be stored), moving the overview
   * counters with its status and opening or closing a command in the same step.
   */
  async writeTarget(
    before: InstanceTarget,
    after: InstanceTarget,
    commandOp: { op: 'open' | 'close'; record: CommandRecord } | undefined,
  ): Promise<boolean> {
    const k = this.keys;
    const commandId = commandOp?.record.command.commandId ?? '';
    const written = await runScript(
      this.redis,
      'write-target',
      [
        k.deployment(before.deploymentId),
        k.targets(before.deploymentId),
        k.command(commandId),
        k.instanceCommands(before.targetId),
        k.openCommands,
        k.instance(before.targetId),
        ...this.streams(before.deploymentId),
      ],
      [
        before.targetId,
        String(before.version),
        JSON.stringify({ ...after, version: before.version + 1 }),
        before.status,
        after.status,
        commandOp?.op ?? 'none',
        commandOp ? JSON.stringify(commandOp.record) : '',
        commandId,
        k.wakeChannel,
        String(Date.now()),
        JSON.stringify(targetChangeEvents(before, after)),
      ],
    );
    return written === 1;
  }

  private streams(id: string): [string, string] {
    return [this.keys.deploymentEvents(id), this.keys.allEvents];
  }

  async getTarget(id: string, instanceName: string): Promise<InstanceTarget | undefined> {
    const raw = await this.redis.hget(this.keys.targets(id), instanceName);
    return raw ? (JSON.parse(raw) as InstanceTarget) : undefined;
  }

  async getTargets(id: string, instanceNames: readonly string[]): Promise<InstanceTarget[]> {
    if (instanceNames.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.targets(id), ...instanceNames);
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as InstanceTarget);
  }

  /**
   * Targets InProgress with no agent command open: between two commands, or stuck there by a lost
   * trigger (the sweeper looks for these every few seconds). Read a page at a time with HSCAN, and a
   * row whose JSON has a `"commandId":` key is not parsed at all (a JSON string value cannot hold
   * that text: its quotes would be escaped), so a sweep of thousands of hosts neither holds nor
   * parses them all. HSCAN may return a row twice; the caller must not mind.
   */
  async targetsBetweenCommands(id: string, pageSize = 500): Promise<InstanceTarget[]> {
    const found: InstanceTarget[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.targets(id), cursor, 'COUNT', pageSize);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        if (flat[i].includes('"commandId":')) continue;
        const target = JSON.parse(flat[i]) as InstanceTarget;
        if (target.status === 'InProgress' && target.commandId === undefined) found.push(target);
      }
    } while (cursor !== '0');
    return found;
  }

  async listTargets(id: string): Promise<InstanceTarget[]> {
    const all = await this.redis.hgetall(this.keys.targets(id));
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as InstanceTarget)
      .sort((a, b) => a.targetId.localeCompare(b.targetId));
  }

}

function toState(h: Record<string, string>): DeploymentState {
  const count = (field: string) => Number(h[field] ?? 0);
  return {
    spec: JSON.parse(h.spec) as DeploymentSpec,
    status: h.status as DeploymentStatus,
    createTime: h.createTime,
    startTime: h.startTime || undefined,
    completeTime: h.completeTime || undefined,
    error: h.error ? (JSON.parse(h.error) as ErrorInformation) : undefined,
    plan: h.plan ? (JSON.parse(h.plan) as HealthPlan) : undefined,
    failing: h.failing === '1',
    stopping: h.stopping === '1',
    stopRollback: h.stopRollback === undefined ? undefined : h.stopRollback === '1',
    rollbackPending: h.rollbackPending === '1',
    rollback: h.rollback ? (JSON.parse(h.rollback) as RollbackInfo) : undefined,
    rev: h.rev ?? '0',
    blueGreen: h.blueGreen ? (JSON.parse(h.blueGreen) as BlueGreenState) : undefined,
    overview: {
      Pending: count('Pending'),
      InProgress: count('InProgress'),
      Succeeded: count('Succeeded'),
      Failed: count('Failed') + count('Unknown'),
      Skipped: count('Skipped'),
      Ready: count('Ready'),
    },
  };
}

export function toDeploymentInfo(state: DeploymentState): DeploymentInfo {
  const { bundleType: _b, instanceTagFilters: _f, instanceTagSet: _s, clientToken: _c, eventTimeoutSeconds: _t, ...spec } = state.spec;
  return {
    ...spec,
    status: state.status,
    errorInformation: state.error,
    createTime: state.createTime,
    startTime: state.startTime,
    completeTime: state.completeTime,
    deploymentOverview: state.overview,
    healthPlan: state.plan,
    ...(state.blueGreen ? { blueGreen: withoutSamples(state.blueGreen) } : {}),
    ...(state.spec.rollbackInfo || state.rollback ? { rollbackInfo: { ...state.spec.rollbackInfo, ...state.rollback } } : {}),
  };
}

export type { TargetStatus };

function withoutSamples(state: BlueGreenState): Omit<BlueGreenState, 'samples'> {
  const { samples: _samples, ...rest } = state;
  return rest;
}
