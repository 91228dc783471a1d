import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandReporter } from '../../agent/reporter.js';
import { AgentApiError, type AgentApiClient } from '../../agent/api-client.js';
import type { ReportRequest, ReportResponse } from '../../shared/protocol.js';

/** A fake api: records each report body, answers after `delayMs`. */
function fakeClient(delayMs = 5, answer: (body: ReportRequest, n: number) => ReportResponse | Error = () => ({ accepted: true, cancel: false })) {
  const reports: ReportRequest[] = [];
  const client = {
    async report(_id: string, body: ReportRequest): Promise<ReportResponse> {
      reports.push(structuredClone(body));
      await sleep(delayMs);
      const a = answer(body, reports.length);
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as AgentApiClient;
  return { client, reports };
}

const t = '2026-11-27T10:00:00.000Z';

describe('CommandReporter batching', () => {
  it('sends a quick command — every start, end and log line — as one report with the completion', async () => {
    const { client, reports } = fakeClient();
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 50);
    for (const name of ['DownloadBundle', 'Install', 'AfterInstall'] as const) {
      r.event({ lifecycleEventName: name, status: 'InProgress', startTime: t });
      r.log(`${name} ran\n`, name);
      r.event({ lifecycleEventName: name, status: 'Succeeded', endTime: t });
    }
    await r.finish();
    expect(reports).toHaveLength(1);
    expect(reports[0].complete).toBe(true);
    expect(reports[0].events.map((e) => [e.lifecycleEventName, e.status, e.startTime])).toEqual([
      ['DownloadBundle', 'Succeeded', t],
      ['Install', 'Succeeded', t],
      ['AfterInstall', 'Succeeded', t],
    ]);
    expect(reports[0].logs?.map((l) => l.text)).toEqual(['DownloadBundle ran\n', 'Install ran\n', 'AfterInstall ran\n']);
    expect(reports[0].logSeq).toBe(1);
  });

  it('holds updates for the window, then sends them together; what comes during a report waits for the next window', async () => {
    const { client, reports } = fakeClient(30);
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 40, 40);
    r.event({ lifecycleEventName: 'Install', status: 'InProgress', startTime: t });
    await sleep(10);
    expect(reports).toHaveLength(0);
    r.log('one\n', 'Install');
    await sleep(45);
    expect(reports).toHaveLength(1); // in flight now
    r.event({ lifecycleEventName: 'Install', status: 'Succeeded', endTime: t });
    r.log('two\n', 'Install');
    await sleep(40);
    expect(reports).toHaveLength(1); // the first is answered at ~30 ms, then a new window opens
    await sleep(60);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ logSeq: 2, complete: false, logs: [{ text: 'two\n' }] });
    await r.finish();
    expect(reports).toHaveLength(3);
    expect(reports[2]).toMatchObject({ events: [], complete: true });
  });

  it('starts and output alone wait the longer hold; an end shortens the window', async () => {
    const { client, reports } = fakeClient(1);
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 20, 300);
    r.event({ lifecycleEventName: 'AfterInstall', status: 'InProgress', startTime: t });
    r.log('working\n', 'AfterInstall');
    await sleep(80);
    expect(reports).toHaveLength(0);
    r.event({ lifecycleEventName: 'AfterInstall', status: 'Succeeded', endTime: t });
    await sleep(60);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ events: [{ status: 'Succeeded', startTime: t, endTime: t }], logs: [{ text: 'working\n' }], complete: false });
    r.event({ lifecycleEventName: 'ApplicationStart', status: 'InProgress', startTime: t });
    await sleep(100);
    expect(reports).toHaveLength(1);
    await sleep(300);
    expect(reports).toHaveLength(2);
    await r.finish();
  });

  it('flush() sends what is pending at once (a hook process started)', async () => {
    const { client, reports } = fakeClient(1);
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 10_000, 10_000);
    r.event({ lifecycleEventName: 'Install', status: 'Succeeded', startTime: t, endTime: t });
    r.event({ lifecycleEventName: 'AfterInstall', status: 'InProgress', startTime: t });
    r.flush();
    await sleep(20);
    expect(reports.map((b) => b.events.map((e) => `${e.lifecycleEventName}:${e.status}`))).toEqual([['Install:Succeeded', 'AfterInstall:InProgress']]);
    r.flush(); // nothing pending: no report
    await r.finish();
    expect(reports).toHaveLength(2);
  });

  it('a completion asked for during a report is sent right after it, not after a window', async () => {
    const { client, reports } = fakeClient(30);
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 10_000);
    r.event({ lifecycleEventName: 'Install', status: 'InProgress', startTime: t });
    await r.finish();
    expect(reports.map((b) => b.complete)).toEqual([true]);
    const r2 = new CommandReporter(client, 'c2', () => undefined, () => undefined, 5, 5);
    r2.event({ lifecycleEventName: 'Install', status: 'InProgress', startTime: t });
    await sleep(10); // in flight
    r2.event({ lifecycleEventName: 'Install', status: 'Succeeded', endTime: t });
    const started = Date.now();
    await r2.finish();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reports.slice(1).map((b) => [b.events.map((e) => e.status), b.complete])).toEqual([
      [['InProgress'], false],
      [['Succeeded'], true],
    ]);
  });

  it('stops on a refused report and tells the agent to cancel', async () => {
    const { client, reports } = fakeClient(1, () => new AgentApiError(404, 'no such command'));
    let cancelled = 0;
    let rejected = 0;
    const r = new CommandReporter(client, 'c1', () => cancelled++, () => rejected++, 5, 5);
    r.event({ lifecycleEventName: 'Install', status: 'InProgress', startTime: t });
    await sleep(30);
    r.event({ lifecycleEventName: 'Install', status: 'Succeeded', endTime: t });
    const answer = await r.finish();
    expect(answer).toEqual({ accepted: false, cancel: true });
    expect(reports).toHaveLength(1);
    expect([cancelled, rejected]).toEqual([1, 1]);
  });

  it('a report that throws (agent stopping) surfaces in finish() and is not retried in a loop', async () => {
    const { client, reports } = fakeClient(1, () => new Error('aborted'));
    const r = new CommandReporter(client, 'c1', () => undefined, () => undefined, 5, 5);
    r.event({ lifecycleEventName: 'Install', status: 'InProgress', startTime: t });
    await sleep(30);
    expect(reports).toHaveLength(1);
    await expect(r.finish()).rejects.toThrow('aborted');
    await sleep(30);
    expect(reports).toHaveLength(2);
  });
});
