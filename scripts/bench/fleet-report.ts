/** The fleet bench's summary: a Markdown table of every case and the time-vs-size chart. */
import { renderLineChart, type Series } from './lib/chart.js';
import { formatNumber, parseResultLine } from './lib/result-line.js';
import type { CaseResult } from './fleet-case.js';

export function fleetTable(cases: readonly CaseResult[]): string[] {
  const f = (n: number) => formatNumber(n);
  const lines = [
    '| hosts | config | hooks | status | seconds | CPU floor s | baseline s | ratio | CPU ratio | events/s | CP CPU s | CP peak RSS MB | sim CPU s | redis CPU s | redis cmds/host | scripts/host | load 1/5/15 |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of cases) {
    lines.push(
      `| ${c.hosts} | ${c.config} | ${c.hooks} | ${c.status} | ${f(c.seconds)} | ${f(c.cpuFloorSeconds)} | ${f(c.baselineSeconds)} | ${f(c.ratio)} | ${f(c.cpuRatio)} | ${f(Math.round(c.eventsPerSecond))} | ` +
        `${f(c.cpCpuSeconds)} | ${f(Math.round(c.cpPeakMb))} | ${f(c.simCpuSeconds)} | ${f(c.redisCpuSeconds)} | ${f(c.redisCommandsPerInstance)} | ` +
        `${f(c.redisScriptsPerInstance)} | ${c.load1.toFixed(2)} / ${c.load5.toFixed(2)} / ${c.load15.toFixed(2)} |`,
    );
  }
  return lines;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** What one point of the chart needs; a CaseResult has it, and so does a parsed RESULT line. */
export interface ChartCase {
  hosts: number;
  config: string;
  hooks: string;
  status: string;
  seconds: number;
  baselineSeconds: number;
}

/** Time to Succeeded per config, and the raw-BullMQ baseline, against fleet size. Cases that did not succeed are left out. */
export function fleetChart(cases: readonly ChartCase[]): string {
  const ok = cases.filter((c) => c.status === 'Succeeded' && Number.isFinite(c.seconds));
  const configs = [...new Set(ok.map((c) => c.config))];
  const series: Series[] = configs.map((config, i) => ({
    name: `Cutover ${config}`,
    color: COLORS[i % COLORS.length],
    points: ok.filter((c) => c.config === config).map((c) => ({ x: c.hosts, y: c.seconds })),
  }));
  const baselines = new Map(cases.filter((c) => Number.isFinite(c.baselineSeconds)).map((c) => [c.hosts, c.baselineSeconds]));
  series.push({ name: 'raw BullMQ baseline', color: '#7f7f7f', dashed: true, points: [...baselines.entries()].map(([x, y]) => ({ x, y })) });
  const hooks = [...new Set(cases.map((c) => c.hooks))].join('/');
  return renderLineChart({
    title: `Time to deploy vs fleet size (${hooks} hooks, 7 events per host)`,
    xLabel: 'hosts',
    yLabel: 'seconds from POST to Succeeded',
    series,
    logX: true,
  });
}

/** `RESULT fleet …` lines (e.g. from saved bench output) back into chart cases; the last line per (hosts, config) wins. */
export function chartCasesFromLines(lines: readonly string[]): ChartCase[] {
  const byKey = new Map<string, ChartCase>();
  for (const line of lines) {
    const parsed = parseResultLine(line);
    if (!parsed || parsed.kind !== 'fleet' || !parsed.fields.config || parsed.fields.config === 'all') continue;
    const f = parsed.fields;
    const num = (v: string | undefined) => (v === undefined || v === 'NA' ? NaN : Number(v));
    const c: ChartCase = {
      hosts: num(f.hosts),
      config: f.config,
      hooks: f.hooks ?? 'noop',
      status: f.status ?? 'Succeeded',
      seconds: num(f.seconds),
      baselineSeconds: num(f.baseline_seconds),
    };
    byKey.set(`${c.hosts}/${c.config}/${c.hooks}`, c);
  }
  return [...byKey.values()].sort((a, b) => a.hosts - b.hosts);
}
