/**
 * Building and closing agent commands. A command carries everything the agent needs to run a
 * run of consecutive script events, and a deadline after which the control plane stops waiting.
 */
import type { CommandRecord } from '../store/commands.js';
import { commandIdFor } from '../store/commands.js';
import type { LifecycleEventName } from '../domain/lifecycle.js';
import type { DeploymentSpec, Diagnostics, InstanceTarget } from '../domain/types.js';
import { failUnfinishedEvents } from '../domain/target-updates.js';

/** Built-in events have no appspec timeout; give them a generous bound of their own. */
const BUILT_IN_EVENT_SECONDS = 600;

export function buildCommand(
  spec: DeploymentSpec,
  instanceName: string,
  events: readonly LifecycleEventName[],
  now: Date,
  graceMs: number,
): CommandRecord {
  const seconds = events.reduce(
    (sum, e) => sum + (e === 'DownloadBundle' || e === 'Install' ? BUILT_IN_EVENT_SECONDS : (spec.eventTimeoutSeconds[e] ?? 0)),
    0,
  );
  return {
    command: {
      commandId: commandIdFor(spec.deploymentId, instanceName, events[0]),
      deploymentId: spec.deploymentId,
      applicationName: spec.applicationName,
      deploymentGroupName: spec.deploymentGroupName,
      deploymentGroupId: spec.deploymentGroupId,
      deploymentCreator: spec.creator,
      revision: { revisionType: 'Bundle', digest: spec.revision.digest, bundleType: spec.bundleType },
      ...(spec.revision.revisionType !== 'Bundle' ? { bundleCommit: spec.revision.commitId } : {}),
      events: [...events],
      fileExistsBehavior: spec.fileExistsBehavior,
      ignoreApplicationStopFailures: spec.ignoreApplicationStopFailures,
      ...(spec.blueGreenReroute ? { previousRevisionEvents: ['BeforeAllowTraffic', 'AfterAllowTraffic'] } : {}),
    },
    instanceName,
    state: 'Open',
    createdAt: now.toISOString(),
    deadlineAt: new Date(now.getTime() + seconds * 1000 + graceMs).toISOString(),
  };
}

export function closedCommand(record: CommandRecord, by: 'agent' | 'control-plane', now: Date): CommandRecord {
  return { ...record, state: 'Closed', closedBy: by, closedAt: now.toISOString() };
}

/** The agent said the command is complete: any event it did not report ran into trouble it could not describe. */
export function completeReportedEvents(target: InstanceTarget, record: CommandRecord, now: Date): InstanceTarget {
  const diagnostics: Diagnostics = {
    errorCode: 'UnknownError',
    scriptName: '',
    message: 'The agent ended the command without reporting this event.',
    logTail: '',
  };
  return failUnfinishedEvents(target, record.command.events, diagnostics, now);
}

export function agentIssueDiagnostics(message: string): Diagnostics {
  return { errorCode: 'UnknownError', scriptName: '', message: `AGENT_ISSUE: ${message}`, logTail: '' };
}

