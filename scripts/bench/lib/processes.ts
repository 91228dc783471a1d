/**
 * The processes a bench starts: each a plain `node --import tsx <entry>` (so its pid is the real
 * process, whose /proc entry we read), output to a log file, stopped with SIGTERM then SIGKILL.
 * Every started process is recorded, so any way out of a bench can stop them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  logFile: string;
  exited: Promise<string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const started: Child[] = [];

export interface StartOptions {
  env: Record<string, string>;
  logDir: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** An IPC channel (the simulator and the profiling wrapper talk over it). */
  ipc?: boolean;
  /** `tsx` (default) runs TypeScript sources as `npm start` does; `none` runs a built .mjs as is. */
  loader?: 'tsx' | 'none';
}

export function startNode(name: string, entry: string, args: readonly string[], options: StartOptions): Child {
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const loader = options.loader === 'none' ? [] : ['--import', 'tsx'];
  // Node flags after the loader, so an --import of a .ts file (a preload) is understood.
  const proc = spawn(process.execPath, [...loader, ...(options.nodeArgs ?? []), path.resolve(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  proc.stdout?.pipe(out, { end: false });
  proc.stderr?.pipe(out, { end: false });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  let done = false;
  // 'close' comes after the output pipes are drained; the log file is complete once `out` finishes.
  const exited = new Promise<string>((resolve) => {
    proc.once('close', (code, signal) => {
      done = true;
      out.end(() => resolve(signal ?? `code ${code}`));
    });
    proc.once('error', (err) => {
      done = true;
      out.end(() => resolve(`error: ${err.message}`));
    });
  });
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 15_000) {
      if (done) return;
      proc.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut && !done) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  started.push(child);
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).reverse().map((c) => c.stop(10_000)));
}

/** Wait for one IPC message of `type` from a child (bounded). */
export function nextMessage<T extends { type: string }>(child: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: unknown) => {
      if (msg && typeof msg === 'object' && (msg as { type?: unknown }).type === type) {
        cleanup();
        resolve(msg as T);
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`${child.name} exited while we waited for "${type}"; see ${child.logFile}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name} sent no "${type}" within ${timeoutMs} ms; see ${child.logFile}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
    };
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
  });
}

/** The tests' poll-until helper; a bench always gives its own timeout. */
export { until } from '../../../test/helpers/processes.js';

/** Run a bench's main: exit 0 when it ends, 1 (after stopping every child) when it throws. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      console.error(err);
      await stopAll();
      process.exit(1);
    },
  );
}

/** Stop every started process on Ctrl-C or a kill, then run `cleanup` and exit. */
export function stopEverythingOnSignal(cleanup: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`bench: ${signal}; stopping what it started`);
    void stopAll()
      .then(cleanup)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** The whole bench is bounded: past `ms`, stop everything and exit non-zero. */
export function hardDeadline(ms: number, cleanup: () => Promise<void>): NodeJS.Timeout {
  const timer = setTimeout(() => {
    console.error(`bench: still running after ${Math.round(ms / 1000)} s (the hard limit); stopping`);
    void stopAll()
      .then(cleanup)
      .finally(() => process.exit(3));
  }, ms);
  timer.unref();
  return timer;
}
