/** The benches' pure helpers: percentiles, RESULT lines, /proc and INFO parsing, timelines, profiles, the chart. */
import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../scripts/bench/lib/stats.js';
import { formatNumber, parseResultLine, resultLine } from '../../scripts/bench/lib/result-line.js';
import { parseProcStat, parseProcStatus } from '../../scripts/bench/lib/proc.js';
import { diffCommandStats, parseCommandStats, parseInfo, redisCpuSeconds, totalCalls } from '../../scripts/bench/lib/redis-info.js';
import { failureDigest, targetTimeline } from '../../scripts/bench/lib/timeline.js';
import { moduleOf, summarizeProfile, type CpuProfile } from '../../scripts/bench/lib/cpu-profile.js';
import { niceTicks, renderLineChart } from '../../scripts/bench/lib/chart.js';
import { chartCasesFromLines, fleetChart } from '../../scripts/bench/fleet-report.js';
import { cpuBudget } from '../../scripts/bench/lib/cpu-budget.js';
import { parseTcpExt } from '../../scripts/bench/lib/machine.js';

describe('percentile (nearest rank)', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 100, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0, 1],
    [[7], 99, 7],
    [[5, 1, 4, 2, 3], 50, 3],
  ])('%j p%d = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('p99 of 1..1000 is 990, and the input is not reordered', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(percentile(values, 99)).toBe(990);
    expect(values[0]).toBe(1000);
  });

  it('is NaN for no values and refuses p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarize gives count, mean and the usual percentiles', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, min: 1, mean: 2.5, p50: 2, p90: 4, p99: 4, max: 4 });
    expect(summarize([]).count).toBe(0);
  });
});

describe('RESULT lines', () => {
  it('prints fields in order, numbers plainly, missing ones as NA', () => {
    const line = resultLine('fleet', { hosts: 1000, config: 'AllAtOnce', seconds: 2.4123, baseline_seconds: 0.9, ratio: Infinity, events_per_s: 2901.74, rss_mb: undefined });
    expect(line).toBe('RESULT fleet hosts=1000 config=AllAtOnce seconds=2.41 baseline_seconds=0.9 ratio=NA events_per_s=2901.7 rss_mb=NA');
  });

  it.each([
    [0.0004, '0'],
    [0.1234, '0.123'],
    [12.5, '12.5'],
    [3, '3'],
    [-1.005, '-1'],
    [NaN, 'NA'],
  ])('formatNumber(%d) = %s', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });

  it('refuses keys and values a line parser would trip on', () => {
    expect(() => resultLine('api', { 'Create RPS': 1 })).toThrow();
    expect(() => resultLine('api', { note: 'two words' })).toThrow();
  });

  it('parses back what it prints', () => {
    const line = resultLine('api', { create_rps: 1234.5, p99_ms: 12.3 });
    expect(parseResultLine(line)).toEqual({ kind: 'api', fields: { create_rps: '1234.5', p99_ms: '12.3' } });
    expect(parseResultLine('not a result')).toBeUndefined();
  });
});

describe('/proc parsing', () => {
  it('reads CPU times after the command name, even one with spaces and parentheses', () => {
    const fields = ['S', ...Array.from({ length: 10 }, () => '0'), '250', '50', '30', '20', ...Array.from({ length: 30 }, () => '0')];
    const text = `1234 (node (a) b) ${fields.join(' ')}`;
    expect(parseProcStat(text, 100)).toEqual({ user: 2.5, system: 0.5, childrenUser: 0.3, childrenSystem: 0.2 });
  });

  it('reads VmRSS and VmHWM in MB', () => {
    expect(parseProcStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toEqual({ rssMb: 100, peakMb: 200 });
  });
});

describe('CPU budget of a fleet case', () => {
  it('spreads the CPU of every process over the cores for the floor, and leaves the agents out of the overhead ratio', () => {
    const budget = cpuBudget({ controlPlaneSeconds: 8, agentsSeconds: 14, redisSeconds: 1 }, { processSeconds: 1.5, redisSeconds: 0.5 }, 2);
    expect(budget.floorSeconds).toBeCloseTo(11.5);
    expect(budget.overheadRatio).toBeCloseTo(4.5);
  });

  it('has no overhead ratio without a baseline CPU figure, and counts at least one core', () => {
    const budget = cpuBudget({ controlPlaneSeconds: 3, agentsSeconds: 0, redisSeconds: 0 }, { processSeconds: 0, redisSeconds: 0 }, 0);
    expect(budget.overheadRatio).toBeNaN();
    expect(budget.floorSeconds).toBe(3);
  });
});

describe('kernel TCP counters', () => {
  it('reads TcpExt by name from the pair of lines that carry it', () => {
    const netstat = ['TcpExt: SyncookiesSent ListenOverflows ListenDrops', 'TcpExt: 0 221183 221190', 'IpExt: InNoRoutes', 'IpExt: 7', ''].join('\n');
    expect(parseTcpExt(netstat)).toEqual({ SyncookiesSent: 0, ListenOverflows: 221183, ListenDrops: 221190 });
    expect(parseTcpExt('IpExt: A\nIpExt: 1\n')).toEqual({});
  });
});

describe('Redis INFO', () => {
  const before = parseCommandStats('# Commandstats\r\ncmdstat_get:calls=10,usec=30,usec_per_call=3.00\r\ncmdstat_info:calls=1,usec=9\r\n');
  const after = parseCommandStats(
    '# Commandstats\r\ncmdstat_get:calls=25,usec=80,usec_per_call=3.2\r\ncmdstat_evalsha:calls=4,usec=400\r\ncmdstat_info:calls=3,usec=20\r\ncmdstat_client|setname:calls=2,usec=1\r\n',
  );

  it("diffs commandstats, ignoring the bench's own commands", () => {
    const deltas = diffCommandStats(before, after, ['info', 'client']);
    expect(deltas).toEqual([
      { command: 'get', calls: 15, usec: 50 },
      { command: 'evalsha', calls: 4, usec: 400 },
    ]);
    expect(totalCalls(deltas)).toBe(19);
  });

  it('parses sections and adds up CPU seconds', () => {
    const info = parseInfo('# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:2.25\r\n');
    expect(redisCpuSeconds(info)).toBe(3.75);
  });
});

describe('target timeline', () => {
  it('splits each host into picked up, on the host and close lag', () => {
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const timeline = targetTimeline(
      [
        { targetId: 'a', lastUpdatedAt: at(3000), lifecycleEvents: [{ endTime: at(500) }, { startTime: at(600), endTime: at(2000) }] },
        { targetId: 'b', lastUpdatedAt: at(5000), lifecycleEvents: [{ startTime: at(1000), endTime: at(4000) }] },
      ],
      t0,
    );
    expect(timeline.pickedUp.min).toBe(0.5);
    expect(timeline.pickedUp.max).toBe(1);
    expect(timeline.onHost.max).toBe(3);
    expect(timeline.closeLag.p50).toBe(1);
    expect(timeline.lastUpdate).toBe(5);
  });
});

describe('failure digest', () => {
  it('groups failed events by event, code and message with names and numbers blurred', () => {
    const failed = (host: string) => ({
      lifecycleEvents: [
        { lifecycleEventName: 'ApplicationStop', status: 'Skipped' },
        { lifecycleEventName: 'DownloadBundle', status: 'Failed', diagnostics: { errorCode: 'UnknownError', message: `AGENT_ISSUE: the agent on ${host} has not polled for more than 30 s` } },
      ],
    });
    expect(failureDigest([failed('h-1'), failed('h-22'), { lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Succeeded' }] }])).toEqual([
      { event: 'DownloadBundle', errorCode: 'UnknownError', message: 'AGENT_ISSUE: the agent on # has not polled for more than # s', count: 2 },
    ]);
  });
});

describe('CPU profile summary', () => {
  it('names modules by package, Node internals or repo file', () => {
    expect(moduleOf('file:///repo/node_modules/@scope/pkg/dist/x.js', 'f', '/repo')).toBe('@scope/pkg');
    expect(moduleOf('file:///repo/node_modules/ioredis/built/x.js', 'f', '/repo')).toBe('ioredis');
    expect(moduleOf('node:internal/fs/promises', 'f', '/repo')).toBe('node (internals)');
    expect(moduleOf('file:///repo/agent/journal.ts', 'f', '/repo')).toBe('agent/journal.ts');
    expect(moduleOf('', '(garbage collector)', '/repo')).toBe('(garbage collector)');
  });

  it('adds self time per function and module, charges internals to their caller, leaves idle out', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 4000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
        { id: 2, callFrame: frame('writeNow', 'file:///repo/agent/journal.ts'), children: [3] },
        { id: 3, callFrame: frame('writeFile', 'node:internal/fs/promises') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile(profile, '/repo');
    expect(s.totalMs).toBe(4);
    expect(s.busyMs).toBe(3);
    expect(s.byModule.map((m) => [m.name, m.selfMs])).toEqual([
      ['node (internals)', 2],
      ['agent/journal.ts', 1],
    ]);
    expect(s.byCaller[0]).toMatchObject({ name: 'writeNow agent/journal.ts:1 → node (internals)', selfMs: 2 });
  });
});

describe('SVG chart', () => {
  it('picks 1-2-5 ticks that cover the maximum', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('draws one polyline per series with a point per value, escaping text', () => {
    const svg = renderLineChart({
      title: 'time <to> deploy & more',
      xLabel: 'hosts',
      yLabel: 'seconds',
      series: [
        { name: 'AllAtOnce', color: '#00f', points: [{ x: 100, y: 1 }, { x: 1000, y: 4 }, { x: 5000, y: 20 }] },
        { name: 'baseline', color: '#888', dashed: true, points: [{ x: 100, y: 0.1 }, { x: 1000, y: NaN }] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('time &lt;to&gt; deploy &amp; more');
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(4);
    expect(svg).toContain('5k');
  });
});

describe('fleet chart from RESULT lines', () => {
  it('reads saved RESULT lines, keeps the last per case, and charts only what succeeded', () => {
    const cases = chartCasesFromLines([
      'noise',
      'RESULT fleet hosts=1000 config=AllAtOnce seconds=190 baseline_seconds=2.5 ratio=76 events_per_s=37 rss_mb=329 status=Succeeded hooks=noop',
      'RESULT fleet hosts=100 config=AllAtOnce seconds=10.8 baseline_seconds=0.75 ratio=14 events_per_s=65 rss_mb=197 status=Succeeded hooks=noop',
      'RESULT fleet hosts=1000 config=AllAtOnce seconds=133 baseline_seconds=4.2 ratio=32 events_per_s=53 rss_mb=330 status=Succeeded hooks=noop',
      'RESULT fleet hosts=5000 config=AllAtOnce seconds=128 baseline_seconds=9.9 ratio=13 events_per_s=273 rss_mb=618 status=Failed hooks=noop',
      'RESULT fleet hosts=5000 config=all status=error load1=1',
    ]);
    expect(cases.map((c) => [c.hosts, c.seconds, c.status])).toEqual([
      [100, 10.8, 'Succeeded'],
      [1000, 133, 'Succeeded'],
      [5000, 128, 'Failed'],
    ]);
    const svg = fleetChart(cases);
    // Two Cutover points (the failed 5000 is left out) and three baseline points.
    expect(svg.match(/<circle/g)).toHaveLength(5);
  });
});
