/**
 * Streams a tar or tar.gz, decompressed by us, into a node-tar Parser (listing) or Unpack
 * (extracting). Doing the gunzip here lets us count the real decompressed bytes and stop a bomb
 * at the limit, rather than after node-tar's ratio heuristic.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import type { Parser } from 'tar';
import { BundleError } from './bundle-error.js';

export type TarType = 'tar' | 'tgz';

/** How long a stopped Unpack may take to finish its in-flight writes. */
const SETTLE_MS = 30_000;

/** Options every Parser/Unpack we build shares: never guess a compression we did not declare. */
export const TAR_READ_OPTIONS = { strict: true, brotli: false, zstd: false } as const;

/**
 * Feeds the archive into `sink` and waits until it has finished. `refusal()` is checked after
 * every chunk: entry callbacks record a refusal there rather than throw inside node-tar.
 */
export async function feedTar(
  archivePath: string,
  type: TarType,
  sink: Parser,
  maxBytes: number,
  refusal: () => Error | undefined,
): Promise<void> {
  let sinkError: Error | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    sink.on('error', (err: Error) => {
      sinkError ??= err;
      reject(err);
    });
    sink.on('close', () => resolve());
  });
  finished.catch(() => undefined); // observed below; never an unhandled rejection

  let total = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  // Our own reason for stopping. Throwing out of the loop destroys the source streams, and
  // pipeline may then report their AbortError instead of this, so it is kept aside.
  let stopped: Error | undefined;
  const stop = (err: Error): never => {
    stopped ??= translate(err);
    throw stopped;
  };
  const consume = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) stop(tooLarge(maxBytes));
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 2) {
          // node-tar would quietly gunzip a further layer; a bundle is compressed once or not at all.
          if (head[0] === 0x1f && head[1] === 0x8b) {
            const what = type === 'tgz' ? 'is gzip-compressed twice' : 'is declared as tar but is gzip-compressed';
            stop(new BundleError('BUNDLE_CORRUPT', `The bundle ${what}.`));
          }
          head = undefined;
        }
      }
      const flowing = sink.write(chunk);
      const refused = refusal() ?? sinkError;
      if (refused) stop(refused);
      if (!flowing) await drained(sink);
      const late = refusal() ?? sinkError;
      if (late) stop(late);
    }
  };
  try {
    if (type === 'tgz') await pipeline(createReadStream(archivePath), createGunzip(), consume);
    else await pipeline(createReadStream(archivePath), consume);
  } catch (err) {
    const reason = stopped ?? refusal() ?? translate(err);
    // Ended, not aborted: an aborted Unpack never reports when the file writes it has in flight
    // are done, and the caller's cleanup must not race them. Ended, it finishes them and closes.
    sink.end();
    await Promise.race([finished.catch(() => undefined), delay(SETTLE_MS)]);
    throw reason;
  }
  sink.end();
  try {
    await finished;
  } catch (err) {
    throw refusal() ?? translate(err);
  }
  const refused = refusal();
  if (refused) throw refused;
}

function drained(sink: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sink.off('drain', done);
      sink.off('error', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('error', done);
  });
}

export function tooLarge(maxBytes: number): BundleError {
  return new BundleError('BUNDLE_TOO_LARGE', `The bundle unpacks to more than ${maxBytes} bytes, the limit for one revision.`);
}

/** gzip/tar parse failures become BUNDLE_CORRUPT; our own refusals and filesystem errors pass through. */
function translate(err: unknown): Error {
  if (err instanceof BundleError) return err;
  if (err instanceof Error) {
    const code = 'code' in err ? String(err.code) : '';
    // node-tar keeps an fs error's errno code (ENOSPC…) and adds tarCode; those are not the bundle's fault.
    const isErrno = /^E[A-Z0-9]+$/.test(code);
    if (!isErrno && (code.startsWith('TAR_') || code.startsWith('Z_') || 'tarCode' in err)) {
      return new BundleError('BUNDLE_CORRUPT', `The bundle is not a readable archive: ${err.message}`);
    }
    return err;
  }
  return new Error(String(err));
}
