/**
 * A hook spawned in the instant before its agent could journal it: a restarted agent still finds
 * its process group by the command id in the hook's environment, and stops it. Real processes.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HOOK_MARKER_VARIABLE, markedProcessGroups, stopMarkedHooks } from '../../agent/orphan-hooks.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startHook(env: Record<string, string>): ChildProcess {
  // A shell leading its own group with a child of its own, as a hook script would.
  const child = spawn('bash', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  child.unref();
  return child;
}

describe('hooks found by their marker', () => {
  it('finds the group of a process carrying the command id, not one carrying another, and stops it whole', async () => {
    const id = `d-TEST.${randomBytes(4).toString('hex')}.Install`;
    const marked = startHook({ [HOOK_MARKER_VARIABLE]: id });
    const other = startHook({ [HOOK_MARKER_VARIABLE]: `${id}-other` });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await markedProcessGroups(id)).toEqual([marked.pid]);
      expect(await stopMarkedHooks(id, 2000)).toBe(1);
      expect(alive(marked.pid!)).toBe(false);
      // Its child (the sleep) went with the group.
      expect(await markedProcessGroups(id)).toEqual([]);
      expect(alive(other.pid!)).toBe(true);
    } finally {
      for (const child of [marked, other]) if (child.pid && alive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    }
  });

  it('finds nothing for a command no process carries', async () => {
    expect(await markedProcessGroups(`d-NONE.${randomBytes(4).toString('hex')}.Install`)).toEqual([]);
  });
});
