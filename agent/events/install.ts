/**
 * Install: remove what the previous revision installed, copy the new revision's `files` with the
 * file_exists_behavior (the appspec's, else the deployment's), apply `permissions`, and record
 * this revision as the group's last successful install (whose scripts the next ApplicationStop runs).
 */
import * as z from 'zod';
import { installRevision, InstallError, type InstallRecord } from '../installer/index.js';
import { readJson, writeJson } from '../layout.js';
import type { EventContext } from './event-context.js';
import { failed, succeeded, type EventOutcome } from './event-outcome.js';
import { appSpecFor } from './load-appspec.js';

const InstallRecordSchema = z.object({ files: z.array(z.string()), dirs: z.array(z.string()) });

export async function install(ctx: EventContext): Promise<EventOutcome> {
  const { command, layout } = ctx;
  const { deploymentGroupId: groupId, deploymentId } = command;
  const archiveDir = layout.archiveDir(groupId, deploymentId);
  const appspec = await appSpecFor(ctx.appspecs, archiveDir, command.appSpecFilename);
  if (!appspec.ok) return failed(appspec.message);
  const recordFile = layout.installRecordFile(groupId);
  const previous: InstallRecord | undefined = await readJson(recordFile, InstallRecordSchema);
  let record: InstallRecord;
  try {
    record = await installRevision({
      archiveDir,
      appspec: appspec.appspec,
      installRoot: ctx.installRoot,
      fileExistsBehavior: appspec.appspec.fileExistsBehavior ?? command.fileExistsBehavior,
      previous,
      log: (line) => ctx.scriptLog.line(line),
      allowance: ctx.allowance,
    });
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    // What the half-finished install created is what the next one must clean up.
    await writeJson(recordFile, err.record);
    return failed(err.message);
  }
  await writeJson(recordFile, record);
  await layout.setLastSuccessful(groupId, { deploymentId, archiveDir });
  return succeeded(`Installed ${record.files.length} file(s)`);
}
