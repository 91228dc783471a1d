/** The agent bench's pure helpers: where the RSS is (lib/memory-breakdown.ts) and what grew between heap snapshots (lib/heap-diff.ts). */
import { describe, expect, it } from 'vitest';
import { describeBreakdown, parseResidentKinds } from '../../scripts/bench/lib/memory-breakdown.js';
import { diffGroups, groupNodes } from '../../scripts/bench/lib/heap-diff.js';

const MB = 2 ** 20;

describe('memory breakdown', () => {
  const status = 'Name:\tnode\nVmRSS:\t   61440 kB\nRssAnon:\t   20480 kB\nRssFile:\t   40960 kB\nRssShmem:\t       0 kB\n';

  it('reads anonymous and file-backed resident memory from /proc/<pid>/status', () => {
    expect(parseResidentKinds(status)).toEqual({ anonMb: 20, fileMb: 40 });
  });

  it("splits the anonymous part into V8's heap spaces and the rest", () => {
    const line = describeBreakdown({
      rss: 60 * MB,
      heapUsed: 8 * MB,
      heapTotal: 12 * MB,
      external: 2 * MB,
      arrayBuffers: 0,
      spaces: { new_space: 1 * MB, old_space: 9 * MB, code_space: 0.01 * MB },
      status,
    });
    expect(line).toBe(
      'RSS 60.0 = file 40.0 + anon 20.0 (V8 heap spaces 10.0: new 1.0 old 9.0; heap used 8.0; external 2.0 of which array buffers 0.0; outside V8\'s heap 10.0)',
    );
  });
});

describe('heap snapshot diff', () => {
  /** A snapshot with the fields V8 writes, nodes given as [type, name, self size]. */
  function snapshot(nodes: [string, string, number][]) {
    const types = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
    const strings: string[] = [];
    const flat = nodes.flatMap(([type, name, size], id) => {
      strings.push(name);
      return [types.indexOf(type), strings.length - 1, id, size, 0];
    });
    return {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [types] as [string[]] } },
      nodes: flat,
      strings,
    };
  }

  it('groups objects by constructor and other kinds by kind, and orders changes by growth', () => {
    const before = groupNodes(snapshot([['object', 'Foo', 100], ['code', 'f', 1000], ['string', 'abc', 20]]));
    const after = groupNodes(snapshot([['object', 'Foo', 100], ['object', 'Foo', 100], ['code', 'f', 1000], ['code', 'g', 5000], ['string', 'x', 20]]));
    expect(diffGroups(before, after).slice(0, 3)).toEqual([
      { key: 'code', countDelta: 1, bytesDelta: 5000 },
      { key: 'object Foo', countDelta: 1, bytesDelta: 100 },
      { key: 'string', countDelta: 0, bytesDelta: 0 },
    ]);
  });
});
