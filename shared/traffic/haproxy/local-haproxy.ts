/**
 * A private HAProxy for tests and benchmarks: a generated config in a directory of its own, the
 * runtime API on a UNIX socket there (`level admin`), one HTTP frontend per backend, each backend
 * with a dynamic algorithm (roundrobin) so `add server` works, and an HTTP health check. Runs in
 * the foreground (`-db`) as a child process; stop() ends it. Production runs its own haproxy.cfg
 * (deploy/haproxy/haproxy.cfg is a starting point).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runtimeCommand } from './runtime-api.js';

export interface LocalBackend {
  name: string;
  /** Frontend address, e.g. 127.0.0.1:8080. */
  bind: string;
  healthPath?: string;
  /** Static servers (the benchmark's), `name host:port`; tests add theirs at run time. */
  servers?: ReadonlyArray<{ name: string; address: string }>;
}

export interface LocalHaproxyOptions {
  dir: string;
  backends: readonly LocalBackend[];
  /** `retries` and `option redispatch`, HAProxy's defaults-worthy safety net (on unless false). */
  retries?: boolean;
  nbthread?: number;
}

export interface LocalHaproxy {
  socketPath: string;
  configFile: string;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function haproxyConfig(options: LocalHaproxyOptions, socketPath: string): string {
  const lines = [
    'global',
    `    stats socket ${socketPath} mode 600 level admin`,
    '    stats timeout 30s',
    ...(options.nbthread ? [`    nbthread ${options.nbthread}`] : []),
    '',
    'defaults',
    '    mode http',
    '    timeout connect 2s',
    '    timeout client 65s',
    '    timeout server 65s',
    '    timeout http-keep-alive 65s',
    '    timeout check 2s',
    ...(options.retries === false ? [] : ['    retries 2', '    option redispatch 1']),
    '',
  ];
  for (const backend of options.backends) {
    lines.push(
      `frontend fe_${backend.name}`,
      `    bind ${backend.bind}`,
      `    default_backend ${backend.name}`,
      '',
      `backend ${backend.name}`,
      '    balance roundrobin',
      `    option httpchk GET ${backend.healthPath ?? '/healthz'}`,
      '    http-check expect status 200',
      ...(backend.servers ?? []).map((s) => `    server ${s.name} ${s.address}`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startLocalHaproxy(options: LocalHaproxyOptions, binary = 'haproxy'): Promise<LocalHaproxy> {
  const socketPath = path.join(options.dir, 'admin.sock');
  const configFile = path.join(options.dir, 'haproxy.cfg');
  const logFile = path.join(options.dir, 'haproxy.log');
  await writeFile(configFile, haproxyConfig(options, socketPath));
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(binary, ['-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const failed = await Promise.race([spawnError, exited.then((code) => new Error(`haproxy exited with ${code}`)), sleep(100).then(() => undefined)]);
    if (failed) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(
        (failed as NodeJS.ErrnoException).code === 'ENOENT'
          ? `haproxy is not installed (no "${binary}" on PATH); on Debian: apt-get install -y haproxy (.ci/run does it)`
          : `haproxy did not start: ${failed.message}\n${log}`,
      );
    }
    const ready = await runtimeCommand(socketPath, 'show info', 1000).then(
      (reply) => reply.includes('Name: HAProxy'),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not open its runtime API socket ${socketPath} within 10 s`);
    }
  }
  return {
    socketPath,
    configFile,
    logFile,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
