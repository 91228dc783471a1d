/**
 * Where a deployment's time went, from its targets alone (times relative to the POST):
 *   picked up — the host's first event started (the agent got its command and began);
 *   on host   — first event start → last event end (the agent's own work, incl. reports in flight);
 *   close lag — last event end → the target's last update (report, instance job, finish write).
 */
import { summarize, type LatencySummary } from './stats.js';

export interface TargetLike {
  targetId: string;
  lastUpdatedAt: string;
  lifecycleEvents: { lifecycleEventName?: string; startTime?: string; endTime?: string }[];
}

export interface Timeline {
  hosts: number;
  pickedUp: LatencySummary;
  onHost: LatencySummary;
  closeLag: LatencySummary;
  lastUpdate: number;
}

export function targetTimeline(targets: readonly TargetLike[], t0Ms: number): Timeline {
  const pickedUp: number[] = [];
  const onHost: number[] = [];
  const closeLag: number[] = [];
  let lastUpdate = 0;
  for (const t of targets) {
    const starts = t.lifecycleEvents.map((e) => Date.parse(e.startTime ?? e.endTime ?? '')).filter(Number.isFinite);
    const ends = t.lifecycleEvents.map((e) => Date.parse(e.endTime ?? '')).filter(Number.isFinite);
    const updated = Date.parse(t.lastUpdatedAt);
    if (Number.isFinite(updated)) lastUpdate = Math.max(lastUpdate, (updated - t0Ms) / 1000);
    if (starts.length === 0 || ends.length === 0) continue;
    const first = Math.min(...starts);
    const last = Math.max(...ends);
    pickedUp.push((first - t0Ms) / 1000);
    onHost.push((last - first) / 1000);
    if (Number.isFinite(updated)) closeLag.push((updated - last) / 1000);
  }
  return { hosts: targets.length, pickedUp: summarize(pickedUp), onHost: summarize(onHost), closeLag: summarize(closeLag), lastUpdate };
}

export function timelineLines(t: Timeline): string[] {
  const s = (x: LatencySummary) => `p50 ${x.p50.toFixed(2)} / p99 ${x.p99.toFixed(2)} / max ${x.max.toFixed(2)} s`;
  return [
    `  timeline (${t.hosts} targets, s after the POST): host picked up ${s(t.pickedUp)} (first ${t.pickedUp.min.toFixed(2)})`,
    `    on the host (first event start → last event end): ${s(t.onHost)}`,
    `    close lag (last event end → target finished): ${s(t.closeLag)}; last target finished at ${t.lastUpdate.toFixed(2)} s`,
  ];
}

/** Per lifecycle event, in the order first seen: p50 of its start (s after the POST) and of its duration. */
export function eventBreakdown(targets: readonly TargetLike[], t0Ms: number): string {
  const byEvent = new Map<string, { starts: number[]; durations: number[] }>();
  for (const t of targets) {
    for (const e of t.lifecycleEvents) {
      const start = Date.parse(e.startTime ?? '');
      const end = Date.parse(e.endTime ?? '');
      if (!e.lifecycleEventName || !Number.isFinite(start) || !Number.isFinite(end)) continue;
      let row = byEvent.get(e.lifecycleEventName);
      if (!row) byEvent.set(e.lifecycleEventName, (row = { starts: [], durations: [] }));
      row.starts.push((start - t0Ms) / 1000);
      row.durations.push((end - start) / 1000);
    }
  }
  const parts = [...byEvent].map(([name, row]) => `${name} ${summarize(row.starts).p50.toFixed(2)}+${summarize(row.durations).p50.toFixed(2)}`);
  return `    per event (p50 start s after the POST + p50 duration s): ${parts.join(', ') || 'none timed'}`;
}

export interface FailureLine {
  event: string;
  errorCode: string;
  message: string;
  count: number;
}

/** What failed, grouped: lifecycle event, error code and the message with host names and times blurred. */
export function failureDigest(
  targets: readonly { lifecycleEvents: { lifecycleEventName?: string; status?: string; diagnostics?: { errorCode?: string; message?: string } }[] }[],
  top = 5,
): FailureLine[] {
  const groups = new Map<string, FailureLine>();
  for (const t of targets) {
    for (const e of t.lifecycleEvents) {
      if (e.status !== 'Failed') continue;
      const message = (e.diagnostics?.message ?? '').replace(/\b[\w.-]*\d[\w.-]*\b/g, '#').slice(0, 200);
      const key = `${e.lifecycleEventName}|${e.diagnostics?.errorCode}|${message}`;
      const line = groups.get(key) ?? { event: e.lifecycleEventName ?? '?', errorCode: e.diagnostics?.errorCode ?? '?', message, count: 0 };
      line.count++;
      groups.set(key, line);
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, top);
}
