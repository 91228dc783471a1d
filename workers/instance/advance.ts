/**
 * The instance worker: walk one instance to its next lifecycle step. Triggered when the agent
 * completes a command (and by the sweeper when a trigger may have been lost). Idempotent: the
 * next step is derived from the stored events alone, and the write is a compare-and-set.
 *
 *   open command            → nothing to do (the agent is on it)
 *   next events are scripts → open the next agent command
 *   next event is traffic   → BlockTraffic/AllowTraffic through the load balancer (./traffic-step.ts)
 *   next event is gated     → blue/green: the deployment's phase has not opened it yet; a replacement
 *                             instance that finished installing is Ready; the scheduler is asked to look
 *   all events ended        → the instance is Succeeded/Failed; the scheduler is asked to advance
 */
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../shared/store/index.js';
import type { Queues } from '../../shared/queues.js';
import type { Config } from '../../shared/config.js';
import { isDeploymentTerminal, isTargetDone } from '../../shared/domain/statuses.js';
import { nextInstanceStep } from '../../shared/domain/instance-steps.js';
import { gateFor } from '../../shared/domain/blue-green.js';
import { finishTarget } from '../../shared/domain/target-updates.js';
import { buildCommand } from '../../shared/operations/agent-commands.js';
import { updateTarget } from '../../shared/operations/update-target.js';
import { advanceTraffic, trafficEventDue } from './traffic-step.js';

export interface InstanceDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  now: () => Date;
}

export async function advanceInstance(deps: InstanceDeps, deploymentId: string, instanceName: string): Promise<void> {
  const { store } = deps;
  const state = await store.deployments.get(deploymentId);
  if (!state) return;
  const openCommand = async (commandId: string | undefined) =>
    commandId !== undefined && (await store.commands.get(commandId))?.state === 'Open';

  const target = await store.deployments.getTarget(deploymentId, instanceName);
  if (!target || target.status === 'Pending') return;
  if (await openCommand(target.commandId)) return;
  const gate = gateFor(state.blueGreen, target.instanceLabel);
  const traffic = trafficEventDue(target, gate);
  if (traffic) return advanceTraffic(deps, state, instanceName, traffic);

  const at = deps.now();
  let atGate = false;
  const result = await updateTarget(store, deploymentId, instanceName, (current) => {
    if (isTargetDone(current.status) || current.status === 'Pending' || current.status === 'Ready') return undefined;
    if (current.commandId !== target.commandId) return undefined; // someone else moved it on
    const step = nextInstanceStep(current.lifecycleEvents, gate);
    switch (step.kind) {
      case 'busy':
        return undefined;
      case 'gated':
        if (isDeploymentTerminal(state.status) || state.stopping) return { after: finishTarget(current, 'Failed', at) };
        atGate = true;
        // CodeDeploy's Ready: the replacement instance is installed and waits for traffic.
        if (current.instanceLabel === 'Green' && step.event === 'BeforeAllowTraffic' && state.blueGreen?.phase === 'Installing') {
          return { after: { ...current, status: 'Ready', commandId: undefined, lastUpdatedAt: at.toISOString() } };
        }
        return current.commandId === undefined ? undefined : { after: { ...current, commandId: undefined, lastUpdatedAt: at.toISOString() } };
      case 'finish':
        return { after: finishTarget(current, step.status, at) };
      case 'agent': {
        // Stopped (or stopping): what has not started never will; the instance ends Failed, the rest Skipped.
        if (isDeploymentTerminal(state.status) || state.stopping) return { after: finishTarget(current, 'Failed', at) };
        const record = buildCommand(state.spec, instanceName, step.events, at, deps.config.commandGraceMs);
        return { after: { ...current, commandId: record.command.commandId, lastUpdatedAt: at.toISOString() }, command: { op: 'open', record } };
      }
      case 'traffic':
        return undefined; // the target moved on since it was read; advanceTraffic takes it on the next trigger
    }
  });
  if (atGate) await deps.queues.reconcile(deploymentId);
  if (!result) return;
  if (isTargetDone(result.target.status)) {
    deps.log.debug({ deploymentId, instanceId: instanceName, status: result.target.status }, 'instance finished');
    await deps.queues.reconcile(deploymentId);
  }
}
