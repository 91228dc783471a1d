/**
 * Runs one command: its lifecycle events in order on this host. Each event's start and end is
 * journaled before it is reported, so a crash at any point leaves an honest record; the first
 * failure ends the command and the events after it are Skipped (as CodeDeploy shows them).
 */
import { isHookEvent, type LifecycleEventName } from '../shared/domain/lifecycle.js';
import type { EventUpdate } from '../shared/protocol.js';
import type { Journal, JournalEntry } from './journal.js';
import { withEvent } from './journal.js';
import type { CommandReporter } from './reporter.js';
import type { EventContext } from './events/event-context.js';
import { failed, type EventOutcome } from './events/event-outcome.js';
import { downloadBundle } from './events/download-bundle.js';
import { install } from './events/install.js';
import { runHooks } from './events/run-hooks.js';
import { processStartTicks } from './orphan-hooks.js';

export async function runCommandEvents(
  context: Omit<EventContext, 'onHookSpawned'>,
  journal: Journal,
  /** Told each event's start and end (the agent's CommandReporter; `cutover local` prints them). */
  reporter: Pick<CommandReporter, 'event'> & Partial<Pick<CommandReporter, 'flush'>>,
  initial: JournalEntry,
): Promise<JournalEntry> {
  let entry = initial;
  const record = async (update: EventUpdate) => {
    entry = { ...withEvent(entry, update), runningHook: undefined };
    // Only ends are journaled: after a restart an event with no journaled end fails whether or not
    // its start was written (failedAfterRestart), so a start need not cost a file write.
    if (update.status !== 'InProgress') await journal.write(entry);
    reporter.event(update);
  };
  const ctx: EventContext = {
    ...context,
    appspecs: context.appspecs ?? new Map(),
    onHookSpawned: (pid) => {
      reporter.flush?.();
      void processStartTicks(pid).then((startTicks) => {
        if (!startTicks || entry.complete) return;
        entry = { ...entry, runningHook: { pgid: pid, startTicks } };
        return journal.write(entry);
      });
    },
  };
  let failedAlready = false;
  for (const name of ctx.command.events) {
    if (failedAlready || ctx.signal.aborted) {
      await record({ lifecycleEventName: name, status: 'Skipped', endTime: new Date().toISOString() });
      continue;
    }
    const startTime = new Date().toISOString();
    await record({ lifecycleEventName: name, status: 'InProgress', startTime });
    ctx.scriptLog.beginEvent(name);
    const outcome = await runEvent(ctx, name);
    await record({ lifecycleEventName: name, status: outcome.status, startTime, endTime: new Date().toISOString(), diagnostics: outcome.diagnostics });
    failedAlready = outcome.status === 'Failed';
  }
  entry = { ...entry, complete: true, runningHook: undefined };
  await journal.write(entry);
  return entry;
}

async function runEvent(ctx: EventContext, name: LifecycleEventName): Promise<EventOutcome> {
  try {
    if (name === 'DownloadBundle') return await downloadBundle(ctx);
    if (name === 'Install') return await install(ctx);
    if (isHookEvent(name)) return await runHooks(ctx, name);
    return failed(`${name} is done by the control plane, not the agent.`);
  } catch (err) {
    return failed(`${name} failed on the host: ${(err as Error).message}`);
  }
}

/**
 * What a restarted agent says about a command it was running when it died (CodeDeploy agent
 * >= 1.5's wording): the first event that had not ended fails, the ones after it are Skipped.
 */
export function failedAfterRestart(entry: JournalEntry): JournalEntry {
  let result = entry;
  let failedOne = entry.events.some((e) => e.status === 'Failed');
  for (const name of entry.command.events) {
    const known = entry.events.find((e) => e.lifecycleEventName === name);
    if (known && known.status !== 'InProgress') continue;
    const endTime = new Date().toISOString();
    const update: EventUpdate = failedOne
      ? { lifecycleEventName: name, status: 'Skipped', endTime }
      : {
          lifecycleEventName: name,
          status: 'Failed',
          endTime,
          diagnostics: { errorCode: 'UnknownError', scriptName: '', message: 'Failing in-progress lifecycle event after an agent restart.', logTail: '' },
        };
    failedOne = true;
    result = withEvent(result, update);
  }
  return { ...result, complete: true };
}
