/**
 * A full garbage collection a second after the agent runs out of work, for an agent alone in its
 * process (agent/main.ts; never the fleet simulator's thousands). A deployment leaves a
 * few MB of garbage in V8's old generation (streams, buffers, parsed appspecs) that an idle agent
 * would otherwise hold for as long as it waits for the next one: V8 collects when allocation
 * reaches its limit, and an idle agent hardly allocates. One collection of a ~10 MB heap costs a
 * few ms; it needs `--expose-gc` (package.json's `agent` script), and without it nothing is done.
 */
export type Collect = () => void;

/** What the agent calls each time it has no command left to run; undefined without a `gc` to call. */
export function idleCollector(gc: Collect | undefined = (globalThis as { gc?: Collect }).gc, delayMs = 1000): (() => void) | undefined {
  if (!gc) return undefined;
  let timer: NodeJS.Timeout | undefined;
  return () => {
    // Once the last report and journal write are done: a later call moves the collection on.
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Twice: the second hands back the pages the first emptied (an idle agent allocates nothing
      // that would finish the first one's sweeping): 1.5–3 MB less resident, measured.
      gc();
      gc();
    }, delayMs);
    timer.unref();
  };
}
