/** The `cutover` CLI run as a user runs it: its own process (`node --import tsx cli/main.ts`), output captured. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, until } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Wait until stdout matches. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
}

export function startCli(args: readonly string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli', 'main.ts'), ...args], {
    cwd: REPO_ROOT,
    // A clean slate: no inherited CUTOVER_* settings, no terminal (plain-line output).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    output: () => ({ stdout, stderr }),
    done,
    waitFor: (pattern, timeoutMs = 60_000) =>
      until(`cutover ${args.join(' ')} to print ${pattern}`, async () => (pattern.test(stdout) ? true : undefined), timeoutMs, 50).then(
        () => undefined,
        (err: Error) => {
          throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        },
      ),
  };
}

export async function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  const running = startCli(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}
