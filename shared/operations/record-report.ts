/**
 * An agent's report on a command: event results, script output, completion. Idempotent — an
 * agent that lost the answer sends the same report again and nothing is recorded twice. When a
 * command completes, the instance is walked on by an `instances` job.
 */
import type { Store } from '../store/index.js';
import type { CommandRecord } from '../store/commands.js';
import type { Queues } from '../queues.js';
import type { Config } from '../config.js';
import type { ReportRequest, ReportResponse } from '../protocol.js';
import { NotFoundError } from '../errors.js';
import type { InstanceTarget, LifecycleEvent } from '../domain/types.js';
import { applyEventChanges } from '../domain/target-updates.js';
import { closedCommand, completeReportedEvents } from './agent-commands.js';
import { updateTarget } from './update-target.js';

export async function recordReport(
  deps: {
    store: Store;
    queues: Queues;
    config: Pick<Config, 'logRetentionSeconds'>;
    /** Told the lifecycle events this report ended (once: only the write that ended them counts); /metrics observes their durations. */
    onEventsEnded?: (events: readonly LifecycleEvent[]) => void;
  },
  instanceName: string,
  commandId: string,
  report: ReportRequest,
  now: Date,
): Promise<ReportResponse> {
  const { store } = deps;
  const record = await store.commands.get(commandId);
  if (!record || record.instanceName !== instanceName) {
    throw new NotFoundError('CommandDoesNotExistException', `No command ${commandId} for this instance.`);
  }
  const { deploymentId } = record.command;
  // Output first: by the time an event's end is recorded (and announced), its whole log is stored.
  // The append is sent before the target is read and written, on the same connection, so Redis
  // runs it first; it is awaited with them rather than before them (one round trip less). The
  // one exception: right after Redis lost its script cache, ioredis re-sends the append as EVAL
  // once it hears NOSCRIPT, and the end may then be announced a moment before its last lines.
  const appended =
    report.logs !== undefined && report.logSeq !== undefined
      ? store.logs.append(deploymentId, instanceName, commandId, report.logSeq, report.logs, deps.config.logRetentionSeconds)
      : Promise.resolve(false);
  // Observed even when the target step throws, so a failed append never goes unhandled.
  const appendDone = appended.then(
    () => undefined,
    (err: unknown) => err,
  );
  const answer = await applyReport(deps, record, instanceName, commandId, report, now).finally(async () => {
    const err = await appendDone;
    if (err) throw err;
  });
  return answer;
}

async function applyReport(
  deps: Parameters<typeof recordReport>[0],
  record: CommandRecord,
  instanceName: string,
  commandId: string,
  report: ReportRequest,
  now: Date,
): Promise<ReportResponse> {
  const { queues } = deps;
  const { deploymentId } = record.command;
  if (record.state === 'Closed') {
    // A retried completion is fine; a report on a command the control plane gave up on is refused.
    if (record.closedBy === 'agent' && report.complete) await queues.advanceInstance(deploymentId, instanceName, `${commandId}-done`);
    return { accepted: record.closedBy === 'agent', cancel: record.closedBy !== 'agent' };
  }

  let closedByControlPlane = false;
  let before: InstanceTarget | undefined;
  const written = await updateTarget(deps.store, deploymentId, instanceName, (target) => {
    before = target;
    if (target.commandId !== commandId) {
      closedByControlPlane = true;
      return undefined;
    }
    let after = applyEventChanges(target, report.events, now);
    if (!report.complete) return after === target ? undefined : { after };
    after = completeReportedEvents(after, record, now);
    return { after: { ...after, commandId: undefined }, command: { op: 'close', record: closedCommand(record, 'agent', now) } };
  });
  if (closedByControlPlane) return { accepted: false, cancel: true };
  if (written?.written && before && deps.onEventsEnded) {
    const was = new Map(before.lifecycleEvents.map((e) => [e.lifecycleEventName, e.status]));
    const ended = written.target.lifecycleEvents.filter((e) => (e.status === 'Succeeded' || e.status === 'Failed') && was.get(e.lifecycleEventName) !== e.status);
    if (ended.length > 0) deps.onEventsEnded(ended);
  }
  if (report.complete) await queues.advanceInstance(deploymentId, instanceName, `${commandId}-done`);
  return { accepted: true, cancel: record.cancelRequested ?? false };
}
