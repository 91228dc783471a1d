/**
 * Revision upload: the bundle is the request body (tar.gz, tar or zip). It is streamed to a
 * staging file while its sha256 is computed, checked (a known archive type, an appspec.yml at its
 * root that parses), and only then stored under its digest and registered. A bad bundle is a 400
 * and leaves nothing behind.
 */
import { Router, type Request } from 'express';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiDeps } from '../context.js';
import { InvalidInputError, PayloadTooLargeError } from '../../shared/errors.js';
import { detectBundleType, readBundleFile } from '../../shared/bundle/index.js';
import { APPSPEC_FILE_NAMES, parseAppSpec, type AppSpec } from '../../shared/appspec/index.js';
import type { LifecycleEventName } from '../../shared/domain/lifecycle.js';
import type { BundleType, RevisionInfo } from '../../shared/domain/types.js';
import { requireApplication } from './applications.js';

const MAX_APPSPEC_BYTES = 1024 * 1024;

export function revisionRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.post('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    const staged = await deps.artifacts.stagingPath();
    try {
      const { digest, size } = await receive(req, staged, deps.config.maxBundleBytes);
      const bundleType = await bundleTypeOf(staged);
      const appspec = await readAppSpec(staged, bundleType);
      await deps.artifacts.commit(staged, digest);
      const info = await deps.store.catalog.registerRevision({
        applicationName: app,
        revision: { revisionType: 'Bundle', digest },
        bundleType,
        size,
        eventTimeoutSeconds: eventTimeouts(appspec),
        registerTime: deps.now().toISOString(),
      });
      res.status(201).json(info);
    } finally {
      await deps.artifacts.discard(staged);
    }
  });

  router.get('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    res.json({ revisions: await deps.store.catalog.listRevisions(app) });
  });

  return router;
}

async function receive(req: Request, stagedPath: string, limit: number): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) return callback(new PayloadTooLargeError(limit));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(req, meter, createWriteStream(stagedPath));
  if (size === 0) throw new InvalidInputError('InvalidRevisionException', 'The request body is empty: send the bundle (tar.gz, tar or zip) as the body.');
  return { digest: hash.digest('hex'), size };
}

async function bundleTypeOf(path: string): Promise<BundleType> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await file.read(head, 0, 512, 0);
    const type = detectBundleType(head.subarray(0, bytesRead));
    if (!type) throw new InvalidInputError('InvalidRevisionException', 'The bundle is not a tar.gz, tar or zip archive.');
    return type;
  } finally {
    await file.close();
  }
}

async function readAppSpec(path: string, type: BundleType): Promise<AppSpec> {
  let found: { content: Buffer } | undefined;
  try {
    found = await readBundleFile(path, type, APPSPEC_FILE_NAMES, MAX_APPSPEC_BYTES);
  } catch (err) {
    throw new InvalidInputError('InvalidRevisionException', `The bundle was refused: ${(err as Error).message}`);
  }
  if (!found) throw new InvalidInputError('InvalidRevisionException', 'The bundle has no appspec.yml at its root.');
  const parsed = parseAppSpec(found.content.toString('utf8'));
  if (!parsed.ok) {
    const problems = parsed.problems.filter((p) => (p.severity ?? 'error') === 'error');
    const first = problems[0];
    throw new InvalidInputError(
      'InvalidRevisionException',
      `The bundle's appspec.yml is invalid: ${first ? `${first.path}${first.line ? ` (line ${first.line})` : ''}: ${first.message}` : 'unknown problem'}`,
      { problems },
    );
  }
  return parsed.appspec;
}

function eventTimeouts(appspec: AppSpec): Partial<Record<LifecycleEventName, number>> {
  const result: Partial<Record<LifecycleEventName, number>> = {};
  for (const [event, scripts] of Object.entries(appspec.hooks) as [LifecycleEventName, { timeoutSeconds: number }[] | undefined][]) {
    result[event] = (scripts ?? []).reduce((sum, s) => sum + s.timeoutSeconds, 0);
  }
  return result;
}
