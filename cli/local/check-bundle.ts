/**
 * `cutover local`'s validation: the bundle location and type, then its appspec (parsed with the
 * same parser as the api, every problem with its line) against the bundle's own files (scripts
 * and sources that exist, are files, are executable), plus the events asked for. Nothing is
 * reported one at a time: all problems come back together.
 */
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findAppSpecFile, parseAppSpec, validateAppSpecAgainstBundle, type AppSpec } from '../../shared/appspec/index.js';
import { BundleError, detectBundleType, extractBundle } from '../../shared/bundle/index.js';
import type { BundleType } from '../../shared/domain/types.js';
import { localEvents, type LocalEvents } from './local-events.js';

export type LocalBundleType = BundleType | 'directory';

export interface LocalProblem {
  /** `appspec.yml:12`, `-l/--bundle-location`, …: where to look. */
  where: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface CheckedBundle {
  /** The bundle's content on disk (the directory itself, or an unpacked copy of the archive). */
  dir: string;
  appspec?: AppSpec;
  appspecFile?: string;
  events?: LocalEvents;
  problems: LocalProblem[];
  /** Removes the unpacked copy, if one was made. */
  cleanup(): Promise<void>;
}

export interface CheckOptions {
  bundleLocation: string;
  type: LocalBundleType;
  appspecFilename?: string;
  events?: string;
}

export async function checkBundle(options: CheckOptions): Promise<CheckedBundle> {
  const problems: LocalProblem[] = [];
  const error = (where: string, message: string) => problems.push({ where, message, severity: 'error' });
  const result: CheckedBundle = { dir: options.bundleLocation, problems, cleanup: async () => undefined };

  const planned = localEvents(options.events);
  if (planned.ok) result.events = planned.events;
  else for (const message of planned.problems) error('-e/--events', message);

  const location = options.bundleLocation;
  if (/^s3:\/\//i.test(location) || /^https:\/\//i.test(location)) {
    error('-l/--bundle-location', `${location}: cutover local runs bundles on this machine; download it first and pass its path (S3 and GitHub locations are not fetched)`);
    return result;
  }
  if (/^http:\/\//i.test(location)) {
    error('-l/--bundle-location', `${location}: plain http:// locations are refused`);
    return result;
  }
  const info = await stat(location).catch(() => undefined);
  if (!info) {
    error('-l/--bundle-location', `${location} does not exist`);
    return result;
  }
  if (options.type === 'directory') {
    if (!info.isDirectory()) {
      error('-t/--type', `${location} is a file, not a directory; give its archive type (-t tgz, tar or zip)`);
      return result;
    }
  } else {
    if (!info.isFile()) {
      error('-t/--type', `${location} is a directory, not a ${options.type} archive; use -t directory`);
      return result;
    }
    const actual = await sniff(location);
    if (actual !== options.type) {
      error('-t/--type', `${location} is ${actual ? `a ${actual} archive` : 'not a tgz, tar or zip archive'}, not ${options.type}`);
      return result;
    }
    const unpacked = await mkdtemp(path.join(os.tmpdir(), 'cutover-local-check-'));
    result.dir = unpacked;
    result.cleanup = () => rm(unpacked, { recursive: true, force: true });
    try {
      await extractBundle(location, options.type, unpacked);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      error('-l/--bundle-location', `the bundle was refused: ${err.message}`);
      return result;
    }
  }

  const file = findAppSpecFile(await readdir(result.dir), options.appspecFilename);
  if (!file) {
    error('-l/--bundle-location', `there is no ${options.appspecFilename ?? 'appspec.yml (or appspec.yaml)'} at the root of the bundle`);
    return result;
  }
  result.appspecFile = file;
  const parsed = parseAppSpec(await readFile(path.join(result.dir, file), 'utf8'));
  const at = (line: number | undefined) => `${file}${line ? `:${line}` : ''}`;
  if (!parsed.ok) {
    for (const p of parsed.problems) problems.push({ where: at(p.line), message: `${p.path ? `${p.path}: ` : ''}${p.message}`, severity: p.severity ?? 'error' });
    // What did parse is still checked against the bundle: one run reports every problem.
    if (parsed.partial) {
      for (const p of await validateAppSpecAgainstBundle(parsed.partial, result.dir)) {
        problems.push({ where: at(p.line), message: `${p.path ? `${p.path}: ` : ''}${p.message}`, severity: p.severity ?? 'error' });
      }
    }
    return result;
  }
  result.appspec = parsed.appspec;
  for (const p of await validateAppSpecAgainstBundle(parsed.appspec, result.dir)) {
    problems.push({ where: at(p.line), message: `${p.path ? `${p.path}: ` : ''}${p.message}`, severity: p.severity ?? 'error' });
  }
  return result;
}

/** The archive type by its first bytes. */
async function sniff(file: string): Promise<BundleType | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    return detectBundleType(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
