/**
 * Which lifecycle events `cutover local` runs, by codedeploy-local's rules:
 * - by default the whole in-place list with the traffic hooks (BeforeBlockTraffic … AfterAllowTraffic);
 * - with `-e`, DownloadBundle and Install are added when missing (DownloadBundle after the
 *   leading previous-revision events, Install after DownloadBundle and a BeforeInstall that
 *   follows it);
 * - only ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic (which run the previous
 *   revision's scripts) may come before DownloadBundle, and BeforeInstall too before Install.
 * BlockTraffic and AllowTraffic need a load balancer: locally they are Skipped.
 */
import { isTrafficEvent, LIFECYCLE_EVENTS, lifecycleFor, PREVIOUS_REVISION_EVENTS, type LifecycleEventName } from '../../shared/domain/lifecycle.js';

export interface LocalEvents {
  /** Every event, in order, as the user will see them. */
  all: LifecycleEventName[];
  /** What is run (all but the traffic events). */
  run: LifecycleEventName[];
  skipped: LifecycleEventName[];
}

export type LocalEventsResult = { ok: true; events: LocalEvents } | { ok: false; problems: string[] };

const BEFORE_DOWNLOAD: readonly string[] = PREVIOUS_REVISION_EVENTS;
const BEFORE_INSTALL: readonly string[] = [...PREVIOUS_REVISION_EVENTS, 'DownloadBundle', 'BeforeInstall'];

export function localEvents(option: string | undefined): LocalEventsResult {
  if (option === undefined) return done([...lifecycleFor('IN_PLACE', true)]);
  const names = option.split(',').map((n) => n.trim()).filter(Boolean);
  const problems: string[] = [];
  if (names.length === 0) problems.push('no event listed');
  const known: LifecycleEventName[] = [];
  for (const name of names) {
    const event = LIFECYCLE_EVENTS.find((e) => e === name);
    if (!event) problems.push(`unknown lifecycle event "${name}" (known: ${LIFECYCLE_EVENTS.join(', ')})`);
    else if (known.includes(event)) problems.push(`${event} is listed twice`);
    else known.push(event);
  }
  if (problems.length > 0) return { ok: false, problems };

  const events = [...known];
  if (!events.includes('DownloadBundle')) {
    let at = 0;
    while (at < events.length && BEFORE_DOWNLOAD.includes(events[at])) at++;
    events.splice(at, 0, 'DownloadBundle');
  }
  if (!events.includes('Install')) {
    let at = events.indexOf('DownloadBundle') + 1;
    if (events[at] === 'BeforeInstall') at++;
    events.splice(at, 0, 'Install');
  }
  const download = events.indexOf('DownloadBundle');
  for (const early of events.slice(0, download)) {
    if (!BEFORE_DOWNLOAD.includes(early)) problems.push(`${early} cannot run before DownloadBundle (only ${BEFORE_DOWNLOAD.join(', ')} can: they run the previous revision's scripts)`);
  }
  const install = events.indexOf('Install');
  for (const early of events.slice(download + 1, install)) {
    if (!BEFORE_INSTALL.includes(early)) problems.push(`${early} cannot run before Install`);
  }
  return problems.length > 0 ? { ok: false, problems } : done(events);
}

function done(all: LifecycleEventName[]): LocalEventsResult {
  return { ok: true, events: { all, run: all.filter((e) => !isTrafficEvent(e)), skipped: all.filter((e) => isTrafficEvent(e)) } };
}
