/**
 * The processes the demo starts and how it stops them. The list below is the demo's only
 * mutable module state: everything started is recorded, so every way out can stop it all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** Later tiers stop first: agents (1) before the server they report to (0). */
  tier: number;
  /** How long a SIGTERM may take before the process group gets SIGKILL. */
  stopTimeoutMs: number;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
  hasExited: () => boolean;
}

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  tier: number;
  stopTimeoutMs: number;
}

const children: Child[] = [];

export function startedChildren(): readonly Child[] {
  return children;
}

/**
 * Starts a process with its output appended to its log file. It gets its own process group
 * (detached), so a Ctrl-C in the terminal reaches only the demo, which then stops everything in
 * order; and so a process that ignores SIGTERM can be killed together with its own children.
 */
export function startChild(spec: ChildSpec, signal: AbortSignal): Child {
  signal.throwIfAborted();
  const fd = openSync(spec.logFile, 'a');
  let proc: ChildProcess;
  try {
    proc = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, sig) => {
      done = true;
      resolve(sig ?? `code ${code}`);
    });
    proc.once('error', (err) => {
      done = true;
      resolve(`error: ${err.message}`);
    });
  });
  if (proc.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  const child: Child = { name: spec.name, pid: proc.pid, logFile: spec.logFile, tier: spec.tier, stopTimeoutMs: spec.stopTimeoutMs, exited, hasExited: () => done };
  children.push(child);
  return child;
}

/** Stops every started child, highest tier first, each tier in parallel. */
export async function stopAllChildren(report: (line: string) => void): Promise<void> {
  const tiers = [...new Set(children.map((c) => c.tier))].sort((a, b) => b - a);
  for (const tier of tiers) {
    await Promise.all(children.filter((c) => c.tier === tier).map((c) => stopChild(c, report)));
  }
}

/**
 * SIGTERM to the process itself, not its group: `tsx` relays the signal to the node process it
 * runs, and Cutover's processes treat a second signal as "exit at once", skipping their cleanup.
 */
async function stopChild(child: Child, report: (line: string) => void): Promise<void> {
  if (child.hasExited()) return;
  report(`stopping ${child.name} (pid ${child.pid})`);
  signalProcess(child.pid, 'SIGTERM');
  const outcome = await Promise.race([child.exited, sleep(child.stopTimeoutMs, 'timeout')]);
  if (outcome === 'timeout') {
    report(`${child.name} did not stop within ${child.stopTimeoutMs / 1000} s; killing its process group`);
    signalProcess(-child.pid, 'SIGKILL');
    await child.exited;
  }
}

/** Sends a signal; a process that is already gone is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True when pid is alive and its command line contains `marker` (guards against recycled pids). */
export async function isLiveProcess(pid: number, marker: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.replaceAll('\0', ' ').includes(marker);
  } catch {
    return false;
  }
}

/** Stops a process that is not our child (an app server started by a hook): TERM, then KILL. */
export async function stopForeignProcess(pid: number, marker: string, timeoutMs = 5000): Promise<boolean> {
  if (!(await isLiveProcess(pid, marker))) return false;
  signalProcess(pid, 'SIGTERM');
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    await sleep(100);
    if (!(await isLiveProcess(pid, marker))) return true;
  }
  signalProcess(pid, 'SIGKILL');
  return true;
}
