/**
 * Redis INFO, parsed: server facts, CPU seconds and per-command call counts. Deltas of
 * `commandstats` say how many commands a case cost. Redis 7 counts commands that scripts run
 * (redis.call) under their own names as well as the EVALSHA that ran them, so the total is every
 * command Redis executed, and the `evalsha` line is the number of scripts.
 */

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

export interface CommandStat {
  calls: number;
  usec: number;
}

/** `cmdstat_get:calls=1,usec=3,...` lines → command → { calls, usec }. */
export function parseCommandStats(text: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const [key, value] of Object.entries(parseInfo(text))) {
    if (!key.startsWith('cmdstat_')) continue;
    const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    stats.set(key.slice('cmdstat_'.length), { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) });
  }
  return stats;
}

export interface CommandDelta extends CommandStat {
  command: string;
}

/** after − before per command, commands with no new calls left out, most calls first. */
export function diffCommandStats(before: Map<string, CommandStat>, after: Map<string, CommandStat>, ignore: readonly string[] = []): CommandDelta[] {
  const out: CommandDelta[] = [];
  for (const [command, a] of after) {
    if (ignore.includes(command) || ignore.some((i) => command.startsWith(`${i}|`))) continue;
    const b = before.get(command) ?? { calls: 0, usec: 0 };
    const calls = a.calls - b.calls;
    if (calls > 0) out.push({ command, calls, usec: a.usec - b.usec });
  }
  return out.sort((x, y) => y.calls - x.calls || x.command.localeCompare(y.command));
}

export function totalCalls(deltas: readonly CommandDelta[]): number {
  return deltas.reduce((sum, d) => sum + d.calls, 0);
}

/** Redis' own CPU seconds (main thread and children), from INFO cpu. */
export function redisCpuSeconds(info: Record<string, string>): number {
  return Number(info.used_cpu_user ?? 0) + Number(info.used_cpu_sys ?? 0);
}
