/** The `hooks` section: event name → scripts run in order. */
import { isHookEvent, type HookEventName } from '../domain/lifecycle.js';
import { childPath, itemPath, type ProblemList } from './problem-paths.js';
import { bundleRelative, describe, isMapValue, readText, reportUnknownKeys } from './fields.js';
import { DEFAULT_SCRIPT_TIMEOUT_SECONDS, MAX_EVENT_SECONDS, type HookScript } from './types.js';

const SCRIPT_KEYS = ['location', 'timeout', 'runas'] as const;
/** What `su` will accept as a user name; anything else is almost certainly a typo. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
const BUILT_IN_EVENTS = ['Start', 'DownloadBundle', 'Install', 'BlockTraffic', 'AllowTraffic', 'End'];

export function readHooks(value: unknown, problems: ProblemList): Partial<Record<HookEventName, HookScript[]>> {
  const hooks: Partial<Record<HookEventName, HookScript[]>> = {};
  if (value === undefined || value === null) return hooks;
  if (!isMapValue(value)) {
    problems.add('hooks', `hooks must be a map of lifecycle event names to lists of scripts, got ${describe(value)}`);
    return hooks;
  }
  for (const [event, list] of Object.entries(value)) {
    const path = childPath('hooks', event);
    if (!isHookEvent(event)) {
      const why = BUILT_IN_EVENTS.includes(event)
        ? ` (${event} is run by Cutover itself and cannot have scripts)`
        : '';
      problems.add(path, `unknown lifecycle event ${event}${why}`);
      continue;
    }
    // CodeDeploy ignores an event written with no scripts (`ApplicationStop:` alone).
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.add(path, `${event} must be a list of scripts ({location, timeout, runas}), got ${describe(list)}`);
      continue;
    }
    const scripts: HookScript[] = [];
    let explicitSeconds = 0;
    list.forEach((item, i) => {
      const script = readScript(item, itemPath(path, i), problems);
      if (!script) return;
      scripts.push(script.script);
      if (script.explicitTimeout) explicitSeconds += script.script.timeoutSeconds;
    });
    // Only timeouts the author wrote are summed: counting the 3600 s default would reject every
    // event with two scripts, which CodeDeploy accepts.
    if (explicitSeconds > MAX_EVENT_SECONDS) {
      problems.add(
        path,
        `the timeouts of ${event}'s scripts add up to ${explicitSeconds} seconds; one lifecycle event may take at most ${MAX_EVENT_SECONDS} seconds`,
      );
    }
    if (scripts.length > 0) hooks[event] = scripts;
  }
  return hooks;
}

function readScript(
  item: unknown,
  path: string,
  problems: ProblemList,
): { script: HookScript; explicitTimeout: boolean } | undefined {
  if (!isMapValue(item)) {
    problems.add(path, `each script must be a map with a location, got ${describe(item)}`);
    return undefined;
  }
  reportUnknownKeys(item, SCRIPT_KEYS, path, problems);
  const before = problems.items.length;
  const location = readText(item, 'location', path, problems, { required: true });
  if (location !== undefined && bundleRelative(location) === undefined) {
    problems.add(childPath(path, 'location'), `location "${location}" climbs out of the bundle with ".."; scripts must be inside the bundle`);
  }
  const timeout = readTimeout(item.timeout, childPath(path, 'timeout'), problems);
  const runas = readText(item, 'runas', path, problems, { required: false });
  if (runas !== undefined && !USER_NAME.test(runas)) {
    problems.add(childPath(path, 'runas'), `runas "${runas}" is not a valid user name`);
  }
  if (problems.items.length > before || location === undefined) return undefined;
  const script: HookScript = { location, timeoutSeconds: timeout ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS };
  if (runas !== undefined) script.runas = runas;
  return { script, explicitTimeout: timeout !== undefined };
}

function readTimeout(value: unknown, path: string, problems: ProblemList): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    problems.add(path, `timeout must be a whole number of seconds, got ${describe(value)}`);
    return undefined;
  }
  if (n <= 0) {
    problems.add(path, `timeout must be greater than 0 seconds, got ${n}`);
    return undefined;
  }
  if (n > MAX_EVENT_SECONDS) {
    problems.add(path, `timeout ${n} is over the ${MAX_EVENT_SECONDS}-second maximum for a lifecycle event`);
    return undefined;
  }
  return n;
}
