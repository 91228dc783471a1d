/**
 * runHookScript: run one appspec hook script the way CodeDeploy's agent does on Linux, plus the
 * fixes users asked for.
 *
 * - The script leads its own process group (`detached`), stdin is closed, the environment is
 *   exactly `env`; stdout/stderr arrive line by line through onOutput.
 * - On timeout, or when `signal` aborts, the whole group gets SIGTERM, then SIGKILL after
 *   killGraceMs, and we wait until nothing of it is left.
 * - After a normal exit the group is left alone: ApplicationStart may start daemons.
 * - A background process that keeps stdout/stderr open does not hang the hook (agent#118): we
 *   finish on the script's own exit, give the pipes pipeGraceMs to close, then stop reading
 *   them and say why in the output. That is not a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { agentUser, runasAllowed } from '../installer/host-allowance.js';
import { ensureExecutable } from './ensure-executable.js';
import { messages, type HookResult, type OutputStream, type RunHookOptions } from './hook-result.js';
import { LineSplitter } from './line-splitter.js';
import { stopProcessGroup } from './process-group.js';

const DEFAULT_KILL_GRACE_MS = 5000;
const DEFAULT_PIPE_GRACE_MS = 1000;
/** How long the group leader may take to be reported dead after SIGKILL. */
const EXIT_SETTLE_MS = 5000;
/** A user name `su` will accept; runas is validated in the appspec too, this guards direct callers. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

type Ending =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'spawn-error'; error: Error }
  | { kind: 'timeout' }
  | { kind: 'cancel' };

export async function runHookScript(options: RunHookOptions): Promise<HookResult> {
  const location = options.location ?? options.scriptPath;
  if (options.signal?.aborted) return { errorCode: 'ScriptFailed', cancelled: true, message: messages.cancelled() };
  if (options.runas !== undefined && !USER_NAME.test(options.runas)) {
    return { errorCode: 'UnknownError', message: messages.badUser(options.runas) };
  }
  if (options.allowedRunas && !runasAllowed({ runas: options.allowedRunas }, options.runas)) {
    return { errorCode: 'UnknownError', message: messages.notAllowed(location, options.runas ?? agentUser(), options.allowedRunas) };
  }
  const notRunnable = await ensureExecutable(options.scriptPath, location, (line) => options.onOutput('stderr', line));
  if (notRunnable) return notRunnable;

  let child: ChildProcess;
  try {
    child = start(options);
  } catch (err) {
    // spawn throws synchronously on bad arguments (e.g. a NUL byte in the environment).
    return { errorCode: 'UnknownError', message: messages.notStarted(location, err instanceof Error ? err.message : String(err)) };
  }
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const output = readOutput(child, options.onOutput);
  const ending = await firstEnding(child, options);

  if (ending.kind === 'spawn-error') {
    output.stop();
    const code = 'code' in ending.error ? String(ending.error.code) : '';
    if (code === 'EACCES') return { errorCode: 'ScriptNotExecutable', message: messages.notExecutable(location) };
    // Node blames the script for a missing working directory; the script was just checked, so say which.
    const why = code === 'ENOENT' && !(await isDirectory(options.cwd)) ? `the working directory ${options.cwd} does not exist` : ending.error.message;
    return { errorCode: 'UnknownError', message: messages.notStarted(location, why) };
  }

  if (ending.kind === 'exit') {
    await output.settle(options.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
    return exitResult(ending.code, ending.signal, location, options.runas);
  }

  // Timed out or cancelled: stop the whole group, then make sure it is really gone.
  const pgid = child.pid;
  let allStopped = true;
  if (pgid !== undefined) {
    allStopped = await stopProcessGroup(pgid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    if (child.exitCode === null && child.signalCode === null) await exitOf(child, EXIT_SETTLE_MS);
  }
  await output.settle(options.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
  const survivors = allStopped ? '' : messages.survivors;
  return ending.kind === 'timeout'
    ? { errorCode: 'ScriptTimedOut', message: messages.timedOut(location, options.timeoutSeconds) + survivors }
    : { errorCode: 'ScriptFailed', cancelled: true, message: messages.cancelled() + survivors };
}

function start(options: RunHookOptions): ChildProcess {
  // `su -c` would put the script in a new session, out of reach of our group kill; with
  // --session-command it stays in the group. (That option is "discouraged" because a command
  // sharing the caller's terminal could inject input into it; a hook has no terminal.)
  const [command, args] = options.runas
    ? ['su', ['-s', '/bin/sh', '--session-command', shellQuote(options.scriptPath), options.runas]]
    : [options.scriptPath, []];
  return spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true, // its own process group, so the group can be signalled as one
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Whichever comes first: the script's exit, a failure to start it, the timeout, the abort. */
function firstEnding(child: ChildProcess, options: RunHookOptions): Promise<Ending> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish({ kind: 'timeout' }), options.timeoutSeconds * 1000);
    const onAbort = (): void => finish({ kind: 'cancel' });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => finish({ kind: 'exit', code, signal });
    const onError = (error: Error): void => finish({ kind: 'spawn-error', error });
    function finish(ending: Ending): void {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.off('exit', onExit);
      child.off('error', onError);
      // A later 'error' (e.g. a failed kill) must not crash the agent as an unhandled event.
      child.on('error', () => undefined);
      resolve(ending);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('exit', onExit);
    child.once('error', onError);
    // It may have been aborted while the script was being checked, before we listened.
    if (options.signal?.aborted) onAbort();
  });
}

function exitOf(child: ChildProcess, ms: number): Promise<void> {
  return Promise.race([new Promise<void>((resolve) => child.once('exit', () => resolve())), delay(ms)]);
}

function exitResult(code: number | null, signal: NodeJS.Signals | null, location: string, runas?: string): HookResult {
  if (code === 0) return { errorCode: 'Success', exitCode: 0, message: 'Succeeded' };
  if (code !== null) return { errorCode: 'ScriptFailed', exitCode: code, message: messages.failed(location, code, runas) };
  return { errorCode: 'ScriptFailed', message: messages.killedBySignal(location, signal ?? 'unknown') };
}

interface OutputReader {
  /** Waits up to `graceMs` for both pipes to close, then stops reading them (agent#118). */
  settle(graceMs: number): Promise<void>;
  stop(): void;
}

function readOutput(child: ChildProcess, onOutput: RunHookOptions['onOutput']): OutputReader {
  const streams: [OutputStream, Readable | null][] = [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ];
  const closed = streams.map(([name, stream]) => {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter((line) => onOutput(name, line));
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('error', () => undefined); // a destroyed pipe is expected, not a crash
    return new Promise<void>((resolve) =>
      stream.once('close', () => {
        splitter.flush();
        resolve();
      }),
    );
  });
  const allClosed = Promise.all(closed).then(() => true);
  const stop = (): void => {
    for (const [, stream] of streams) stream?.destroy();
  };
  return {
    stop,
    async settle(graceMs) {
      const done = await Promise.race([allClosed, delay(graceMs).then(() => false)]);
      if (done) return;
      stop();
      await allClosed;
      onOutput(
        'stderr',
        `[cutover] The script exited, but a process it started in the background still holds its stdout/stderr open; ` +
          'Cutover stopped reading that output, so that process may be stopped by SIGPIPE when it next writes. ' +
          `Redirect the background process's output (for example "command > /var/log/app.log 2>&1 &").`,
      );
    },
  };
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
