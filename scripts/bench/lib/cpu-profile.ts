/**
 * Where a V8 CPU profile (.cpuprofile, from --cpu-prof or the inspector) spent its time: self
 * time per function and per module (npm package, Node internals, or a file of this repo).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Share {
  name: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time that was not idle. */
  busyMs: number;
  byFunction: Share[];
  byModule: Share[];
  /**
   * Self time charged to the nearest caller in this repo or in a package (Node internals and
   * native frames are charged to whoever called them): "what asked for the work".
   */
  byCaller: Share[];
}

const OPAQUE = new Set(['node (internals)', '(native)']);

/** `/repo/node_modules/@scope/pkg/x.js` → `@scope/pkg`; `node:internal/…` → `node (internals)`. */
export function moduleOf(url: string, functionName: string, repoRoot: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  let file = url;
  if (url.startsWith('file://')) {
    try {
      file = fileURLToPath(url);
    } catch {
      file = url;
    }
  }
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.startsWith(repoRoot + path.sep)) return path.relative(repoRoot, file);
  return file;
}

export function summarizeProfile(profile: CpuProfile, repoRoot: string, top = 15): ProfileSummary {
  const self = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + Math.max(0, profile.timeDeltas![i]) / 1000));
  } else {
    const total = (profile.endTime - profile.startTime) / 1000;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) self.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const mod = moduleOf(url, functionName, repoRoot);
    return { mod, fn: `${functionName || '(anonymous)'} ${url ? `${mod}:${lineNumber + 1}` : ''}`.trim() };
  };
  const callerOf = (id: number): string => {
    const own = label(id);
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(at);
      if (!OPAQUE.has(l.mod) && !l.mod.startsWith('(')) return at === id ? l.fn : `${l.fn} → ${own.mod === '(native)' ? own.fn : own.mod}`;
    }
    return own.fn;
  };
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const { mod, fn } = label(node.id);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byModule.set(mod, (byModule.get(mod) ?? 0) + ms);
    const caller = callerOf(node.id);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  const rank = (m: Map<string, number>): Share[] =>
    [...m.entries()]
      .map(([name, selfMs]) => ({ name, selfMs, pct: busyMs > 0 ? (100 * selfMs) / busyMs : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { totalMs, busyMs, byFunction: rank(byFunction), byModule: rank(byModule), byCaller: rank(byCaller) };
}

export function profileLines(title: string, s: ProfileSummary): string[] {
  const lines = [`${title}: ${(s.busyMs / 1000).toFixed(2)} s busy of ${(s.totalMs / 1000).toFixed(2)} s sampled`];
  lines.push('  by module (self time):');
  for (const m of s.byModule) lines.push(`    ${m.pct.toFixed(1).padStart(5)} %  ${(m.selfMs / 1000).toFixed(2).padStart(6)} s  ${m.name}`);
  lines.push('  by function (self time):');
  for (const f of s.byFunction) lines.push(`    ${f.pct.toFixed(1).padStart(5)} %  ${(f.selfMs / 1000).toFixed(2).padStart(6)} s  ${f.name}`);
  lines.push('  by caller (self time of Node internals and native code charged to the code that called them):');
  for (const f of s.byCaller) lines.push(`    ${f.pct.toFixed(1).padStart(5)} %  ${(f.selfMs / 1000).toFixed(2).padStart(6)} s  ${f.name}`);
  return lines;
}
