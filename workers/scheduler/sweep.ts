/**
 * The sweeper: a repeating job (a BullMQ job scheduler, so no in-process timer holds state) that
 * finds work a crash or a silent agent could otherwise leave stuck:
 *  - every open command whose agent has not polled within the heartbeat timeout fails with
 *    AGENT_ISSUE; every command past its deadline fails as timed out;
 *  - every unfinished deployment gets a reconcile (a lost trigger costs one sweep at most), and so
 *    does every closed one whose automatic rollback is not settled yet;
 *  - instances in flight with no open command get their walk re-triggered (a kick), unless their
 *    last kick is still waiting or running.
 */
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../shared/store/index.js';
import type { Queues } from '../../shared/queues.js';
import type { Config } from '../../shared/config.js';
import { failUnfinishedEvents } from '../../shared/domain/target-updates.js';
import type { Diagnostics } from '../../shared/domain/types.js';
import { agentIssueDiagnostics, closedCommand } from '../../shared/operations/agent-commands.js';
import { updateTarget } from '../../shared/operations/update-target.js';

export interface SweepDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  now: () => Date;
}

export async function sweep(deps: SweepDeps): Promise<void> {
  await giveUpOnLostCommands(deps);
  const active = await deps.store.deployments.activeIds();
  await deps.queues.reconcileMany(active);
  await deps.queues.reconcileMany(await deps.store.control.pendingRollbacks());
  await retriggerIdleInstances(deps, active);
}

/**
 * Open commands are read a page at a time and only what the verdict needs is kept of each (a
 * few numbers): at thousands of hosts, every 5 s, holding every record (and every lastSeen reply)
 * at once was a large share of the control plane's live heap — and V8 sizes its heap to a multiple
 * of that (docs/BENCHMARKS.md, fleet memory). A command to give up on is read again whole.
 */
const SWEEP_PAGE = 500;

interface OpenCommand {
  id: string;
  instanceName: string;
  createdMs: number;
  deadlineAt: string;
}

async function openCommands(store: SweepDeps['store']): Promise<OpenCommand[]> {
  const ids = await store.commands.openIds();
  const open: OpenCommand[] = [];
  for (let i = 0; i < ids.length; i += SWEEP_PAGE) {
    for (const record of await store.commands.getMany(ids.slice(i, i + SWEEP_PAGE))) {
      if (record.state !== 'Open') continue;
      open.push({ id: record.command.commandId, instanceName: record.instanceName, createdMs: Date.parse(record.createdAt), deadlineAt: record.deadlineAt });
    }
  }
  return open;
}

async function lastSeenOf(store: SweepDeps['store'], names: readonly string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i += SWEEP_PAGE) {
    for (const [name, at] of await store.instances.lastSeen(names.slice(i, i + SWEEP_PAGE))) seen.set(name, at);
  }
  return seen;
}

async function giveUpOnLostCommands(deps: SweepDeps): Promise<void> {
  const { store, config } = deps;
  const open = await openCommands(store);
  if (open.length === 0) return;
  const lastSeen = await lastSeenOf(store, [...new Set(open.map((c) => c.instanceName))]);
  const now = deps.now();
  const controlPlaneDeaf = noAgentHeard(lastSeen, now.getTime(), config.heartbeatTimeoutMs);
  if (controlPlaneDeaf) deps.log.warn({ agents: lastSeen.size }, 'no agent with work has been heard for half the heartbeat timeout: the api is behind, not the agents; nobody is blamed this sweep');
  for (const c of open) {
    // A command gets the full heartbeat timeout to be picked up, even by an agent that was silent
    // before it was issued (e.g. a host whose agent is being restarted when a rollback reaches it).
    const heardOf = Math.max(lastSeen.get(c.instanceName) ?? 0, c.createdMs);
    const silentForMs = now.getTime() - heardOf;
    if (silentForMs > config.heartbeatTimeoutMs && !controlPlaneDeaf) {
      const seconds = Math.round(config.heartbeatTimeoutMs / 1000);
      await giveUp(deps, c.id, agentIssueDiagnostics(`the agent on ${c.instanceName} has not polled for more than ${seconds} s; it is presumed dead.`), true);
    } else if (now.getTime() > Date.parse(c.deadlineAt)) {
      const diagnostics: Diagnostics = {
        errorCode: 'ScriptTimedOut',
        scriptName: '',
        message: `The lifecycle event did not complete by its deadline (${c.deadlineAt}): its scripts' timeouts plus a grace period.`,
        logTail: '',
      };
      await giveUp(deps, c.id, diagnostics, false);
    }
  }
}

/**
 * When several agents have work and not one of them has been heard for half the heartbeat timeout,
 * the silence is the api's (overloaded, or cut off from Redis), not each agent's: blaming them all
 * with AGENT_ISSUE would fail a healthy fleet. The command deadlines still bound the wait. With a
 * single agent the two cannot be told apart, and it is judged alone as before.
 */
export function noAgentHeard(lastSeen: ReadonlyMap<string, number>, nowMs: number, heartbeatTimeoutMs: number): boolean {
  if (lastSeen.size < 2) return false;
  const newest = Math.max(...lastSeen.values());
  return nowMs - newest > heartbeatTimeoutMs / 2;
}

async function giveUp(deps: SweepDeps, commandId: string, diagnostics: Diagnostics, agentIssue: boolean): Promise<void> {
  // Read whole again: it may have closed since the page it was on was read.
  const record = await deps.store.commands.get(commandId);
  if (!record || record.state !== 'Open') return;
  const { deploymentId } = record.command;
  const now = deps.now();
  const result = await updateTarget(deps.store, deploymentId, record.instanceName, (target) => {
    if (target.commandId !== commandId) return undefined;
    const after = failUnfinishedEvents(target, record.command.events, diagnostics, now);
    return {
      after: { ...after, commandId: undefined, agentIssue: agentIssue || target.agentIssue },
      command: { op: 'close', record: closedCommand(record, 'control-plane', now) },
    };
  });
  if (result?.written) {
    deps.log.warn({ deploymentId, instanceId: record.instanceName, commandId, reason: diagnostics.message }, 'gave up on command');
    await deps.queues.advanceInstance(deploymentId, record.instanceName, `${commandId}-given-up`);
  }
}

async function retriggerIdleInstances(deps: SweepDeps, deploymentIds: readonly string[]): Promise<void> {
  const now = deps.now().getTime();
  for (const deploymentId of deploymentIds) {
    for (const target of await deps.store.deployments.targetsBetweenCommands(deploymentId)) {
      // Between a command's completion and the walk that follows there is a brief, normal gap.
      if (now - Date.parse(target.lastUpdatedAt) < deps.config.sweepIntervalMs) continue;
      // One kick per instance at a time: none while its last one still waits or runs.
      await deps.queues.kickInstance(deploymentId, target.targetId, now);
    }
  }
}
