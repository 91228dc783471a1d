/**
 * Profiling on request, over the IPC channel: the bench sends `profile-start`, later
 * `profile-stop` with a file name, and the process writes a .cpuprofile of exactly that window
 * (the inspector's Profiler, in-process). Used by the profiling wrapper of the control plane and
 * by the fleet simulator; a process without an IPC channel is left alone.
 */
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';

export function profileOnRequest(): void {
  if (!process.send) return;
  const session = new Session();
  session.connect();
  const reply = (msg: Record<string, unknown>) => process.send?.(msg);
  process.on('message', (msg: { type?: string; file?: string }) => {
    void (async () => {
      try {
        if (msg.type === 'profile-start') {
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 500 });
          await session.post('Profiler.start');
          reply({ type: 'profile-started' });
        } else if (msg.type === 'profile-stop' && msg.file) {
          const { profile } = await session.post('Profiler.stop');
          await writeFile(msg.file, JSON.stringify(profile));
          reply({ type: 'profile-stopped', file: msg.file });
        }
      } catch (err) {
        reply({ type: 'profile-error', message: (err as Error).message });
      }
    })();
  });
}
