/**
 * Preloaded (`--expose-gc --import …/memory-probe`) into a process the bench measures, never in
 * production: on the IPC message {type:'memory'} it runs a full garbage collection and answers
 * with process.memoryUsage(), so the bench can tell live heap from memory the GC has not yet
 * given back. It leaves processes without an IPC channel alone.
 */
if (process.send) {
  process.on('message', (msg: { type?: string }) => {
    if (msg?.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    process.send?.({ type: 'memory', collected: gc !== undefined, ...process.memoryUsage() });
  });
  // The channel must not keep an otherwise finished process alive.
  process.channel?.unref();
}
