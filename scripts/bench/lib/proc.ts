/**
 * What /proc says about a process: CPU seconds (its own and its waited-for children's), resident
 * memory now and at its peak. The peak (VmHWM) can be reset through clear_refs, so one process
 * can be measured case by case; where that is refused, a sampler keeps the highest VmRSS seen.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuTimes {
  /** Seconds in user and kernel mode, this process. */
  user: number;
  system: number;
  /** Seconds of its children that have been waited for (hook scripts, for an agent). */
  childrenUser: number;
  childrenSystem: number;
}

/** Parse /proc/<pid>/stat. The command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string, ticks = 100): CpuTimes {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
  const field = (n: number) => Number(rest[n - 3]) / ticks;
  return { user: field(14), system: field(15), childrenUser: field(16), childrenSystem: field(17) };
}

export async function readCpu(pid: number): Promise<CpuTimes> {
  return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'), clockTicks());
}

export function cpuSeconds(t: CpuTimes): number {
  return t.user + t.system;
}

export function childCpuSeconds(t: CpuTimes): number {
  return t.childrenUser + t.childrenSystem;
}

export interface Memory {
  rssMb: number;
  peakMb: number;
}

/** VmRSS and VmHWM from /proc/<pid>/status, in MB (2^20 bytes). */
export function parseProcStatus(text: string): Memory {
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export async function readMemory(pid: number): Promise<Memory> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
}

/** Reset the process's peak RSS to its current RSS (Linux ≥ 4.0, same user). False when refused. */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every `everyMs` until stopped; the highest value is the peak even without clear_refs. */
export class RssSampler {
  private maxMb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    const sample = () =>
      void readMemory(this.pid).then(
        (m) => (this.maxMb = Math.max(this.maxMb, m.rssMb)),
        () => undefined,
      );
    sample();
    this.timer = setInterval(sample, everyMs);
  }

  async stop(): Promise<number> {
    clearInterval(this.timer);
    try {
      this.maxMb = Math.max(this.maxMb, (await readMemory(this.pid)).rssMb);
    } catch {
      // the process is gone; keep what was seen
    }
    return this.maxMb;
  }
}
