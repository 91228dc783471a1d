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
import { detectBundleType } from '../../shared/bundle/index.js';
import { eventTimeouts, readBundleAppSpec } from '../../shared/operations/inspect-bundle.js';
import type { BundleType } from '../../shared/domain/types.js';
import { requireApplication } from './applications.js';
import { parseInput } from '../validate.js';
import { ListRevisionsQuery } from '../schemas.js';
import { listRevisions } from '../../shared/domain/revision-health.js';

export function revisionRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.post('/', async (req, res) => {
    const { app } = req.params as { app: string };
    // A grant on any of the application's groups lets its holder upload what it deploys there.
    await requireApplication(deps, req, app, { anyGroup: true });
    const staged = await deps.artifacts.stagingPath();
    try {
      const { digest, size } = await receive(req, staged, deps.config.maxBundleBytes);
      const bundleType = await bundleTypeOf(staged);
      const appspec = await readBundleAppSpec(staged, bundleType, deps.config.bundleLimits);
      if (!appspec) throw new InvalidInputError('InvalidRevisionException', 'The bundle has no appspec.yml at its root.');
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
    const query = parseInput(ListRevisionsQuery, req.query, 'query');
    await requireApplication(deps, req, app);
    res.json({ revisions: listRevisions(await deps.store.catalog.listRevisions(app), query) });
  });

  return router;
}

async function receive(req: Request, stagedPath: string, limit: number): Promise<{ digest: string; size: number }> {
  // A declared length over the limit is refused before a byte is stored.
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new PayloadTooLargeError(limit);
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
  try {
    await pipeline(req, meter, createWriteStream(stagedPath));
  } catch (err) {
    // The client went away mid-upload: its fault, not a 500 (and the staged file is discarded).
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new InvalidInputError('InvalidRequestException', 'The upload ended before the whole bundle was received.');
    }
    throw err;
  }
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
