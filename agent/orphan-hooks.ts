/**
 * A hook still running when its agent died keeps running (it leads its own process group).
 * The journal records its group id and its leader's start time; a restarted agent stops that
 * group — but only if the leader is still the very same process, never a recycled pid.
 *
 * Between spawning a hook and journaling its group there is an instant in which the agent can
 * die; so every hook's environment also carries its command id (HOOK_MARKER_VARIABLE), and a
 * restarted agent looks for processes that carry the id of a command it was running.
 */
import { readdir, readFile } from 'node:fs/promises';
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

export const HOOK_MARKER_VARIABLE = 'CUTOVER_COMMAND_ID';

/** Process groups (other than this process's own) with a process whose environment names `commandId`. */
export async function markedProcessGroups(commandId: string): Promise<number[]> {
  const marker = `\0${HOOK_MARKER_VARIABLE}=${commandId}\0`;
  const groups = new Set<number>();
  const own = await processGroupOf(process.pid);
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    // A process may be gone, or not ours to read: either way it is not one to stop.
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (!`\0${environ}`.includes(marker)) continue;
    const group = await processGroupOf(Number(name));
    if (group !== undefined && group !== own && group > 1) groups.add(group);
  }
  return [...groups];
}

/** Stop every process group still running a hook of `commandId`; returns how many. */
export async function stopMarkedHooks(commandId: string, graceMs: number): Promise<number> {
  const groups = await markedProcessGroups(commandId);
  await Promise.all(groups.map((pgid) => stopProcessGroup(pgid, graceMs)));
  return groups.length;
}

/** Field 5 of /proc/<pid>/stat: the process group. */
async function processGroupOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(group) ? group : undefined;
  } catch {
    return undefined;
  }
}
