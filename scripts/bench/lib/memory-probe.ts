/**
 * Preloaded (`--expose-gc --import …/memory-probe`) into a process the bench measures, never in
 * production: on the IPC message {type:'memory'} it runs a full garbage collection (unless the
 * message says gc: false) and answers
 * with process.memoryUsage() and what each V8 heap space holds in memory, so the bench can tell
 * live heap from memory the GC has not yet given back, and V8's heap from the rest of the RSS.
 * On {type:'snapshot', file} it writes a heap snapshot there (`--heap-snapshots`: what the live
 * heap holds, to compare two moments in Chrome DevTools or lib/heap-diff.ts).
 * It leaves processes without an IPC channel alone.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

if (process.send) {
  process.on('message', (msg: { type?: string; file?: string; gc?: boolean }) => {
    if (msg?.type === 'snapshot' && msg.file) {
      process.send?.({ type: 'snapshot', file: v8.writeHeapSnapshot(msg.file) });
      return;
    }
    if (msg?.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (msg.gc !== false) gc?.();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    // Read in the same instant as the figures above: V8 hands pages back on a thread of its own.
    const status = readFileSync('/proc/self/status', 'utf8');
    process.send?.({ type: 'memory', collected: gc !== undefined, ...process.memoryUsage(), spaces, status });
  });
  // The channel must not keep an otherwise finished process alive.
  process.channel?.unref();
}
