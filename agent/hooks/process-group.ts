/**
 * Stopping a script's whole process group, as CodeDeploy's agent does on Linux (SIGTERM to the
 * group), then SIGKILL after a grace period, then proof that nothing of it is left running.
 *
 * `kill(-pgid, 0)` alone cannot prove that: it also succeeds for zombies, processes already dead
 * and waiting to be reaped, which under a PID 1 that does not reap orphans (containers, microVMs)
 * is forever. So a positive answer is checked against /proc, ignoring zombies.
 */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

const POLL_MS = 50;

/**
 * Sends `signal` to every process of the group. A group already gone is fine; one we may not
 * signal (EPERM: it changed user and we are not root) is left to the survivor check to report.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (!hasCode(err, 'ESRCH') && !hasCode(err, 'EPERM')) throw err;
  }
}

/** True while a process of the group is alive (zombies do not count). */
export async function processGroupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (hasCode(err, 'ESRCH')) return false;
    if (!hasCode(err, 'EPERM')) throw err;
  }
  return liveMembers(pgid);
}

/** Resolves true once the group is gone, false if it is still there after `ms`. */
export async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await processGroupAlive(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

/** SIGTERM, up to `graceMs` to comply, then SIGKILL. Resolves true when nothing of the group survives. */
export async function stopProcessGroup(pgid: number, graceMs: number, settleMs = 5000): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupExit(pgid, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitForGroupExit(pgid, settleMs);
}

async function liveMembers(pgid: number): Promise<boolean> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // no /proc: trust kill(0)
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so cut at the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, , pgrp] = fields;
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
