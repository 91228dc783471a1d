/**
 * A V8 sampling heap profile (.heapprofile, from lib/fleet-memory-probe.ts) summed by function:
 * where the bytes a case allocated came from (self size: allocated in that function itself).
 */
import path from 'node:path';

export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface AllocationSite {
  site: string;
  bytes: number;
  /** The nearest caller in the repository's own code (not node_modules, not node:), when there is one. */
  ownCaller?: string;
}

function frameName(node: HeapProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? path.relative(root, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'} ${file || '(native)'}:${lineNumber + 1}`;
}

/** The top `limit` allocation sites by self size, each with its nearest own-code caller. */
export function allocationSites(head: HeapProfileNode, root: string, limit = 15): { total: number; sites: AllocationSite[]; ownCode: AllocationSite[] } {
  const bySite = new Map<string, AllocationSite>();
  const byOwn = new Map<string, AllocationSite>();
  let total = 0;
  const own = (node: HeapProfileNode) => node.callFrame.url.startsWith('file://') && !node.callFrame.url.includes('/node_modules/');
  const walk = (node: HeapProfileNode, ownCaller: string | undefined) => {
    const here = own(node) ? frameName(node, root) : ownCaller;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const site = frameName(node, root);
      const key = `${site} ← ${here ?? ''}`;
      const entry = bySite.get(key) ?? { site, bytes: 0, ownCaller: here };
      entry.bytes += node.selfSize;
      bySite.set(key, entry);
      const ownKey = here ?? '(no own code on the stack)';
      const ownEntry = byOwn.get(ownKey) ?? { site: ownKey, bytes: 0 };
      ownEntry.bytes += node.selfSize;
      byOwn.set(ownKey, ownEntry);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, undefined);
  const top = (m: Map<string, AllocationSite>) => [...m.values()].sort((a, b) => b.bytes - a.bytes).slice(0, limit);
  return { total, sites: top(bySite), ownCode: top(byOwn) };
}
