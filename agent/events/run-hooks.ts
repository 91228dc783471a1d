/**
 * A scripted lifecycle event: run the event's scripts in order, the first failure ends it.
 * ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic run the scripts of the last revision
 * that installed successfully on this host (CodeDeploy's mapping), or are Skipped when there is
 * none. An event with no scripts is Skipped. `ignoreApplicationStopFailures` turns a failure of
 * those previous-revision events into a success with the failure noted.
 */
import path from 'node:path';
import { usesPreviousRevision, type HookEventName } from '../../shared/domain/lifecycle.js';
import { hookEnvironment } from '../hooks/index.js';
import { HOOK_MARKER_VARIABLE } from '../orphan-hooks.js';
import type { EventContext } from './event-context.js';
import { failed, succeeded, type EventOutcome } from './event-outcome.js';
import { appSpecFor } from './load-appspec.js';

export async function runHooks(ctx: EventContext, event: HookEventName): Promise<EventOutcome> {
  const { command, layout } = ctx;
  const groupId = command.deploymentGroupId;
  let dir = layout.archiveDir(groupId, command.deploymentId);
  if (usesPreviousRevision(event) || command.previousRevisionEvents?.includes(event)) {
    const last = await layout.lastSuccessful(groupId);
    if (!last) {
      ctx.scriptLog.line(`No revision has been installed by this deployment group before; ${event} has nothing to run.`);
      return { status: 'Skipped' };
    }
    dir = last.archiveDir;
  }
  const appspec = await appSpecFor(ctx.appspecs, dir, command.appSpecFilename);
  if (!appspec.ok) return failed(appspec.message);
  const scripts = appspec.appspec.hooks[event] ?? [];
  if (scripts.length === 0) return { status: 'Skipped' };

  const env = hookEnvironment({
    lifecycleEvent: event,
    deploymentId: command.deploymentId,
    applicationName: command.applicationName,
    deploymentGroupName: command.deploymentGroupName,
    deploymentGroupId: groupId,
    extra: {
      ...(ctx.installRoot ? { CUTOVER_INSTALL_ROOT: ctx.installRoot } : {}),
      ...ctx.hookEnv,
      // CodeDeploy's agent sets BUNDLE_COMMIT for GitHub revisions; after --hook-env so it cannot be faked.
      ...(command.bundleCommit ? { BUNDLE_COMMIT: command.bundleCommit } : {}),
      // Marks the hook's processes, so a restarted agent finds them even if it died before journaling the group.
      [HOOK_MARKER_VARIABLE]: command.commandId,
    },
  });
  for (const script of scripts) {
    ctx.scriptLog.line(`Script - ${script.location}`);
    const result = await ctx.runHook({
      scriptPath: path.join(dir, script.location),
      location: script.location,
      cwd: dir,
      env,
      timeoutSeconds: script.timeoutSeconds,
      runas: script.runas,
      allowedRunas: ctx.allowance?.runas,
      onOutput: (stream, line) => ctx.scriptLog.line(line, stream),
      signal: ctx.signal,
      onSpawn: ctx.onHookSpawned,
    });
    if (result.errorCode === 'Success') continue;
    ctx.scriptLog.line(result.message, 'stderr');
    if (command.ignoreApplicationStopFailures && usesPreviousRevision(event) && !result.cancelled) {
      return succeeded(`${result.message} (ignored: ignoreApplicationStopFailures is set)`, script.location, ctx.scriptLog.tail());
    }
    return failed(result.message, result.errorCode, script.location, ctx.scriptLog.tail());
  }
  return succeeded('Succeeded', scripts[scripts.length - 1].location, ctx.scriptLog.tail());
}
