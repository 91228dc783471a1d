/**
 * A hook still running when its agent died keeps running (it leads its own process group).
 * The journal records its group id and its leader's start time; a restarted agent stops that
 * group — but only if the leader is still the very same process, never a recycled pid.
 */
import { readFile } from 'node:fs/promises';
import { stopProcessGroup } from './hooks/index.js';

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export async function processStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export async function stopOrphanedHook(hook: { pgid: number; startTicks: string }, graceMs: number): Promise<boolean> {
  if ((await processStartTicks(hook.pgid)) !== hook.startTicks) return false;
  await stopProcessGroup(hook.pgid, graceMs);
  return true;
}
