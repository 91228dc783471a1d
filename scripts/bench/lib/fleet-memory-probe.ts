/**
 * Preloaded into the control plane by `bench:fleet --memory` (`--expose-gc --import` this file;
 * never in production). Where the control plane's resident memory goes over a case:
 *
 * - every 100 ms it samples process.memoryUsage() and keeps, since the last `memory-reset`, the
 *   peak of each figure and the whole sample at the RSS peak (so "RSS 885 MB" can be split into
 *   V8 heap, external/array buffers and the rest — malloc, sockets, what the allocator keeps);
 * - on `memory-report` it answers with those peaks, then runs a full GC and answers with what
 *   is live after it (garbage V8 had not collected yet versus memory really held);
 * - on `heap-snapshot` {file} it writes a V8 heap snapshot (slow, and as large as the heap);
 * - between `memory-reset` {allocations: true} and `memory-report` {file} it runs V8's sampling heap profiler with
 *   the objects later collected included, so the .heapprofile written says where the case's
 *   allocations came from, garbage included (what a heap snapshot, live objects only, cannot).
 *
 * It also counts the process's active resources (sockets, timers…) at each new RSS peak. A
 * process without an IPC channel is left alone.
 */
import v8 from 'node:v8';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

interface Sample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

if (process.send) {
  const MB = 2 ** 20;
  const mb = (s: Sample) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round((v / MB) * 10) / 10]));
  let peak: Sample = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let atRssPeak: Sample = peak;
  let resourcesAtPeak: Record<string, number> = {};
  let spacesAtPeak: Record<string, number> = {};
  let resetAt = Date.now();
  let peakAtS = 0;
  const resources = () => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    return counts;
  };
  const spaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), Math.round((s.physical_space_size / MB) * 10) / 10]));
  const reset = () => {
    peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    atRssPeak = peak;
    resourcesAtPeak = {};
    spacesAtPeak = {};
    resetAt = Date.now();
    peakAtS = 0;
  };
  const sample = () => {
    const u = process.memoryUsage();
    const s: Sample = { rss: u.rss, heapTotal: u.heapTotal, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers };
    if (s.rss > peak.rss + 4 * MB) {
      // A new peak by a margin: what was open then, and how V8's spaces stood.
      atRssPeak = s;
      resourcesAtPeak = resources();
      spacesAtPeak = spaces();
    } else if (s.rss > atRssPeak.rss) atRssPeak = s;
    if (s.rss >= peak.rss) peakAtS = Math.round((Date.now() - resetAt) / 100) / 10;
    for (const k of Object.keys(s) as (keyof Sample)[]) peak[k] = Math.max(peak[k], s[k]);
  };
  setInterval(sample, 100).unref();
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('message', async (msg: { type?: string; file?: string; allocations?: boolean }) => {
    if (msg?.type === 'memory-reset') {
      reset();
      // Opt-in: the profiler's own samples take memory outside V8's heap (MBs over a long case).
      if (msg.allocations && !sampling) {
        await session.post('HeapProfiler.enable');
        // 64 KB between samples: a few thousand samples a case, little overhead.
        await session.post('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        sampling = true;
      }
      process.send?.({ type: 'memory-reset-done' });
    } else if (msg?.type === 'memory-report') {
      sample();
      let profileFile: string | undefined;
      if (sampling) {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        sampling = false;
        if (msg.file) {
          await writeFile(msg.file, JSON.stringify(profile));
          profileFile = msg.file;
        }
      }
      const before = process.memoryUsage();
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const after = process.memoryUsage();
      process.send?.({
        type: 'memory-report',
        peak: mb(peak),
        atRssPeak: { ...mb(atRssPeak), seconds: peakAtS },
        resourcesAtPeak,
        spacesAtPeak,
        beforeGc: mb(before as unknown as Sample),
        afterGc: mb(after as unknown as Sample),
        spacesAfterGc: spaces(),
        collected: gc !== undefined,
        profileFile,
      });
    } else if (msg?.type === 'heap-snapshot' && msg.file) {
      const file = v8.writeHeapSnapshot(msg.file);
      process.send?.({ type: 'heap-snapshot-done', file });
    }
  });
  process.channel?.unref();
}
