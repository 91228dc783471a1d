/** The machine a figure was measured on, and how busy it was (the box is shared: say so). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memTotal: string;
  memAvailable: string;
  node: string;
  redis: string;
  kernel: string;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(redisVersion: string): Machine {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const free = run('free', ['-h']).split('\n').find((l) => l.startsWith('Mem:'))?.split(/\s+/) ?? [];
  return {
    nproc: Number(run('nproc', [])) || os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memTotal: free[1] ?? `${(os.totalmem() / 2 ** 30).toFixed(1)}Gi`,
    memAvailable: free[6] ?? `${(os.freemem() / 2 ** 30).toFixed(1)}Gi`,
    node: process.version,
    redis: redisVersion,
    kernel: os.release(),
  };
}

export function machineLines(m: Machine): string[] {
  return [
    `machine: ${m.nproc} CPU (${m.cpuModel}), memory ${m.memTotal} total / ${m.memAvailable} available, Linux ${m.kernel}`,
    `software: node ${m.node}, redis ${m.redis}`,
  ];
}

/** `uptime`'s three load averages. */
export function loadAverages(): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = os.loadavg();
  return { load1, load5, load15 };
}

export function loadText(): string {
  const l = loadAverages();
  return `load average ${l.load1.toFixed(2)}, ${l.load5.toFixed(2)}, ${l.load15.toFixed(2)}`;
}

/**
 * The kernel's TcpExt counters from /proc/net/netstat (pairs of lines: names, then values). A rise
 * of ListenOverflows while a case ran means connections to a server were dropped before it
 * accepted them: the clients retransmit with doubling delays, so requests stall for seconds.
 */
export function parseTcpExt(netstat: string): Record<string, number> {
  const lines = netstat.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('TcpExt:') || !lines[i + 1].startsWith('TcpExt:')) continue;
    const names = lines[i].split(/\s+/).slice(1);
    const values = lines[i + 1].split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(names.map((name, k) => [name, values[k]]));
  }
  return {};
}

/** Connections dropped so far because a listen queue was full (the whole machine's; NaN where unreadable). */
export function listenOverflows(): number {
  try {
    return parseTcpExt(readFileSync('/proc/net/netstat', 'utf8')).ListenOverflows ?? NaN;
  } catch {
    return NaN;
  }
}
