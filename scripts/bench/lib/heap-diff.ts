/**
 * `tsx scripts/bench/lib/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [N]`: what grew
 * between two heap snapshots (`npm run bench:agent -- --heap-snapshots`), as the N groups of
 * heap objects whose total size grew most: objects by constructor, closures by function name,
 * the other kinds (strings, code, arrays…) by kind. A leak shows as a group that grows with the
 * number of deployments; warm-up (compiled code, caches) as groups that grew once.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface Group {
  count: number;
  bytes: number;
}

/** Heap objects grouped as described above: `object Foo`, `closure bar`, `string`, `code`… */
export function groupNodes(snapshot: Snapshot): Map<string, Group> {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, Group>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]];
    const named = type === 'object' || type === 'closure' || type === 'native';
    const key = named ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]].slice(0, 80)}` : type;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += snapshot.nodes[i + sizeAt];
    groups.set(key, group);
  }
  return groups;
}

export interface GroupChange {
  key: string;
  countDelta: number;
  bytesDelta: number;
}

/** Each group's change from `before` to `after`, largest growth in bytes first. */
export function diffGroups(before: Map<string, Group>, after: Map<string, Group>): GroupChange[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .map((key) => {
      const b = before.get(key) ?? { count: 0, bytes: 0 };
      const a = after.get(key) ?? { count: 0, bytes: 0 };
      return { key, countDelta: a.count - b.count, bytesDelta: a.bytes - b.bytes };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta);
}

async function main(): Promise<void> {
  const [beforeFile, afterFile, top = '30'] = process.argv.slice(2);
  if (!beforeFile || !afterFile) throw new Error('usage: heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [N]');
  const load = async (file: string) => groupNodes(JSON.parse(await readFile(file, 'utf8')) as Snapshot);
  const [before, after] = [await load(beforeFile), await load(afterFile)];
  const total = (groups: Map<string, Group>) => [...groups.values()].reduce((sum, g) => sum + g.bytes, 0) / 2 ** 20;
  console.log(`heap objects: ${total(before).toFixed(2)} MB → ${total(after).toFixed(2)} MB`);
  for (const change of diffGroups(before, after).slice(0, Number(top))) {
    console.log(`${(change.bytesDelta / 1024).toFixed(1).padStart(9)} KB ${String(change.countDelta).padStart(7)} objects  ${change.key}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
