/**
 * Preloaded (`--expose-gc --import …/memory-probe`) into a process the bench measures, never in
 * production: on the IPC message {type:'memory'} it runs a full garbage collection and answers
 * with process.memoryUsage() and what each V8 heap space holds in memory, so the bench can tell
 * live heap from memory the GC has not yet given back, and V8's heap from the rest of the RSS.
 * On {type:'snapshot', file} it writes a heap snapshot there (`--heap-snapshots`: what the live
 * heap holds, to compare two moments in Chrome DevTools or lib/heap-diff.ts).
 * It leaves processes without an IPC channel alone.
 */
import v8 from 'node:v8';

if (process.send) {
  process.on('message', (msg: { type?: string; file?: string }) => {
    if (msg?.type === 'snapshot' && msg.file) {
      process.send?.({ type: 'snapshot', file: v8.writeHeapSnapshot(msg.file) });
      return;
    }
    if (msg?.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    process.send?.({ type: 'memory', collected: gc !== undefined, ...process.memoryUsage(), spaces });
  });
  // The channel must not keep an otherwise finished process alive.
  process.channel?.unref();
}
