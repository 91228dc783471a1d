/**
 * DownloadBundle: fetch the revision by digest, check its sha256 before anything is unpacked,
 * unpack it with nothing escaping the target, and check that its appspec parses.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractBundle, BundleError } from '../../shared/bundle/index.js';
import { allowanceViolations, describeViolations } from '../installer/index.js';
import type { EventContext } from './event-context.js';
import { failed, succeeded, type EventOutcome } from './event-outcome.js';
import { appSpecFor } from './load-appspec.js';

export async function downloadBundle(ctx: EventContext): Promise<EventOutcome> {
  const { command, layout } = ctx;
  const { deploymentGroupId: groupId, deploymentId } = command;
  const { digest, bundleType } = command.revision;
  const bundleFile = layout.bundleFile(groupId, deploymentId);
  const archiveDir = layout.archiveDir(groupId, deploymentId);
  await mkdir(layout.deploymentDir(groupId, deploymentId), { recursive: true });

  const hash = createHash('sha256');
  const body = await ctx.client.downloadBundle(digest);
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
    createWriteStream(bundleFile),
  );
  const actual = hash.digest('hex');
  if (actual !== digest) {
    return failed(`The downloaded bundle's sha256 is ${actual}, not the revision's ${digest}; it was not unpacked.`);
  }
  ctx.scriptLog.line(`Downloaded bundle ${digest} (${bundleType})`);

  await rm(archiveDir, { recursive: true, force: true });
  try {
    await extractBundle(bundleFile, bundleType, archiveDir, ctx.bundleLimits);
  } catch (err) {
    await rm(archiveDir, { recursive: true, force: true });
    if (err instanceof BundleError) return failed(`The bundle was rejected: ${err.message}`);
    throw err;
  }
  const appspec = await appSpecFor(ctx.appspecs, archiveDir, command.appSpecFilename);
  if (!appspec.ok) return failed(appspec.message);
  // Refused here, before BeforeInstall could run a script as a user the host does not allow.
  const violations = allowanceViolations(appspec.appspec, ctx.allowance);
  if (violations.length > 0) {
    await rm(archiveDir, { recursive: true, force: true });
    return failed(describeViolations(violations));
  }

  const last = await layout.lastSuccessful(groupId);
  await layout.pruneRevisions(groupId, [deploymentId, ...(last ? [last.deploymentId] : [])]);
  return succeeded(`Downloaded and unpacked bundle ${digest}`);
}
