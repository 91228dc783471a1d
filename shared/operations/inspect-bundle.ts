/**
 * Reading a revision's appspec at registration (upload, or a git commit archived by the revision
 * worker): the archive is checked like the agent would check it, the appspec must parse, and
 * each lifecycle event's script timeouts are summed for the control plane's deadlines.
 */
import { InvalidInputError } from '../errors.js';
import { isBundleError, readBundleFile, type BundleLimits } from '../bundle/index.js';
import { APPSPEC_FILE_NAMES, parseAppSpec, type AppSpec } from '../appspec/index.js';
import type { LifecycleEventName } from '../domain/lifecycle.js';
import type { BundleType } from '../domain/types.js';

const MAX_APPSPEC_BYTES = 1024 * 1024;

/**
 * The bundle's appspec, or undefined when it has none at its root; InvalidRevisionException when
 * it is unusable. `limits` are the deployment's own (config.bundleLimits), so an upload the agent
 * would refuse to unpack is refused here already.
 */
export async function readBundleAppSpec(path: string, type: BundleType, limits?: BundleLimits): Promise<AppSpec | undefined> {
  let found: { content: Buffer } | undefined;
  try {
    found = await readBundleFile(path, type, APPSPEC_FILE_NAMES, MAX_APPSPEC_BYTES, limits);
  } catch (err) {
    // The refusal's own code (BUNDLE_UNSAFE_PATH, BUNDLE_TOO_LARGE…) and entry go in details.
    const details = isBundleError(err) ? { reason: err.code, ...(err.entry === undefined ? {} : { entry: err.entry }) } : undefined;
    throw new InvalidInputError('InvalidRevisionException', `The bundle was refused: ${(err as Error).message}`, details);
  }
  if (!found) return undefined;
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

export function eventTimeouts(appspec: AppSpec): Partial<Record<LifecycleEventName, number>> {
  const result: Partial<Record<LifecycleEventName, number>> = {};
  for (const [event, scripts] of Object.entries(appspec.hooks) as [LifecycleEventName, { timeoutSeconds: number }[] | undefined][]) {
    result[event] = (scripts ?? []).reduce((sum, s) => sum + s.timeoutSeconds, 0);
  }
  return result;
}
