/**
 * Runs lifecycle events on this machine exactly as an agent does: the same command runner,
 * DownloadBundle (sha256 check, safe unpacking), installer and hook runner, the same layout
 * under a local root (so ApplicationStop runs the previous local revision's scripts, as
 * codedeploy-local does per deployment group). Only the bundle comes from a file instead of the
 * api, and each event is printed instead of reported.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { LifecycleEventName } from '../../shared/domain/lifecycle.js';
import type { BundleType, FileExistsBehavior } from '../../shared/domain/types.js';
import type { AgentCommand, EventUpdate } from '../../shared/protocol.js';
import { runCommandEvents } from '../../agent/command-runner.js';
import { Journal, type JournalEntry } from '../../agent/journal.js';
import { Layout } from '../../agent/layout.js';
import { ScriptLog } from '../../agent/script-log.js';
import { runHookScript } from '../../agent/hooks/index.js';
import type { BundleSource } from '../../agent/events/event-context.js';
import { newDeploymentId } from '../../shared/ids.js';
import type { LocalBundleType } from './check-bundle.js';

export interface LocalRun {
  bundleLocation: string;
  type: LocalBundleType;
  events: LifecycleEventName[];
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  fileExistsBehavior: FileExistsBehavior;
  appSpecFilename?: string;
  /** The local agent root (layout, journal, script logs). */
  root: string;
  /** Map absolute destinations under this directory (as the agent's --install-root). */
  installRoot?: string;
  /** Each event's start and end. */
  onEvent: (update: EventUpdate) => void;
  /** Each script log line as written to scripts.log. */
  onLog: (text: string) => void;
  signal: AbortSignal;
}

export interface LocalResult {
  deploymentId: string;
  entry: JournalEntry;
  scriptLog: string;
}

export async function runLocal(run: LocalRun): Promise<LocalResult> {
  const deploymentId = `${newDeploymentId()}-local`;
  const layout = new Layout(run.root);
  const staging = await mkdtemp(path.join(os.tmpdir(), 'cutover-local-bundle-'));
  try {
    const { file, bundleType } = await archiveOf(run.bundleLocation, run.type, staging);
    const digest = await sha256(file);
    const source: BundleSource = {
      downloadBundle: async () => Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    };
    const command: AgentCommand = {
      commandId: `${deploymentId}.local`,
      deploymentId,
      applicationName: run.applicationName,
      deploymentGroupName: run.deploymentGroupName,
      deploymentGroupId: run.deploymentGroupId,
      deploymentCreator: 'user',
      revision: { revisionType: 'Bundle', digest, bundleType },
      events: run.events,
      fileExistsBehavior: run.fileExistsBehavior,
      ignoreApplicationStopFailures: false,
      ...(run.appSpecFilename ? { appSpecFilename: run.appSpecFilename } : {}),
    };
    const scriptLogFile = layout.scriptLog(run.deploymentGroupId, deploymentId);
    await mkdir(path.dirname(scriptLogFile), { recursive: true });
    const scriptLog = new ScriptLog(scriptLogFile, (text) => run.onLog(text));
    const journal = new Journal(run.root);
    const initial: JournalEntry = { command, events: [], complete: false, reported: false, updatedAt: new Date().toISOString() };
    try {
      const entry = await runCommandEvents(
        {
          command,
          layout,
          client: source,
          scriptLog,
          installRoot: run.installRoot,
          hookEnv: {},
          runHook: runHookScript,
          signal: run.signal,
        },
        journal,
        { event: run.onEvent },
        initial,
      );
      // Nothing will report this command: the journal entry is only a record.
      await journal.write({ ...entry, reported: true });
      return { deploymentId, entry, scriptLog: scriptLogFile };
    } finally {
      await scriptLog.close();
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The bundle as an archive file: the file itself, or the directory packed as it is (modes kept). */
async function archiveOf(location: string, type: LocalBundleType, staging: string): Promise<{ file: string; bundleType: BundleType }> {
  if (type !== 'directory') return { file: path.resolve(location), bundleType: type };
  const file = path.join(staging, 'bundle.tar');
  await pipeline(tar.c({ cwd: location, portable: true }, ['.']) as unknown as NodeJS.ReadableStream, createWriteStream(file));
  return { file, bundleType: 'tar' };
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
