/**
 * Where a process's resident memory is, for the agent bench: file-backed pages (the node binary
 * and the libraries it maps) against anonymous ones, and of the anonymous, what V8's heap spaces
 * hold (after a full GC, from lib/memory-probe.ts) against the rest (malloc: Node's and libuv's
 * own allocations, buffers, zlib, and what the allocator keeps after a free).
 */
const MB = 2 ** 20;

export interface ProbeAnswer {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** physical_space_size of each V8 heap space, in bytes. */
  spaces?: Record<string, number>;
  /** /proc/self/status, read with the figures above. */
  status?: string;
}

export interface ResidentKinds {
  anonMb: number;
  fileMb: number;
}

/** RssAnon and RssFile (+ RssShmem) from /proc/<pid>/status, in MB. */
export function parseResidentKinds(status: string): ResidentKinds {
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { anonMb: kb('RssAnon') / 1024, fileMb: (kb('RssFile') + kb('RssShmem')) / 1024 };
}


/**
 * One line: `RSS 58.1 = file 21.0 + anon 37.1 (V8 spaces 9.2: new 1.0 old 6.1 code 0.4 …; heap used 7.0; the rest 27.9)`.
 * Spaces smaller than 0.05 MB are left out.
 */
export function describeBreakdown(probe: ProbeAnswer): string {
  const kinds = parseResidentKinds(probe.status ?? '');
  const spaces = Object.entries(probe.spaces ?? {});
  const v8Total = spaces.reduce((sum, [, bytes]) => sum + bytes, 0) / MB;
  const named = spaces
    .filter(([, bytes]) => bytes / MB >= 0.05)
    .map(([name, bytes]) => `${name.replace(/_space$/, '')} ${(bytes / MB).toFixed(1)}`)
    .join(' ');
  const rest = kinds.anonMb - v8Total;
  return (
    `RSS ${(probe.rss / MB).toFixed(1)} = file ${kinds.fileMb.toFixed(1)} + anon ${kinds.anonMb.toFixed(1)} ` +
    `(V8 heap spaces ${v8Total.toFixed(1)}: ${named}; heap used ${(probe.heapUsed / MB).toFixed(1)}; ` +
    `external ${(probe.external / MB).toFixed(1)} of which array buffers ${(probe.arrayBuffers / MB).toFixed(1)}; outside V8's heap ${rest.toFixed(1)})`
  );
}
