/**
 * Live events (SSE) and /metrics against a running system with real agents: a deployment's
 * stream read in two pieces (the second resumed with Last-Event-ID) is exactly the stream read
 * whole; the global stream sees the same events; /metrics is Prometheus text whose counters move.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { parseSse, type SseMessage } from '../../cli/sse.js';

const APP = 'events';
let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'events' });
  await sys.startAgents(2, { app: APP });
  await sys.rest.createApplication(APP);
  await sys.rest.createGroup(APP, 'fleet', 'CodeDeployDefault.AllAtOnce', { app: APP });
});

afterAll(async () => {
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

/** Open an event stream and read messages until `stop` says so (or `limit` messages came). */
async function read(
  path: string,
  stop: (m: SseMessage, all: SseMessage[]) => boolean,
  headers: Record<string, string> = {},
  token: string = sys.adminToken,
): Promise<SseMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 90_000);
  const res = await fetch(`${sys.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const messages: SseMessage[] = [];
  try {
    for await (const message of parseSse(res.body!)) {
      messages.push(message);
      if (stop(message, messages)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return messages;
}

const finished = (m: SseMessage) => m.event === 'DeploymentStatus' && ['Succeeded', 'Failed', 'Stopped'].includes(JSON.parse(m.data).status);

describe('deployment event streams (SSE)', () => {
  it('a stream resumed with Last-Event-ID misses no event and repeats none; the global stream sees the same', async () => {
    printLogsOnFailure();
    const bundle = await makeBundle({
      hooks: {
        BeforeInstall: { script: 'echo "before on $HOST_LABEL"; sleep 1' },
        AfterInstall: { script: 'echo "after on $HOST_LABEL"; sleep 1' },
      },
    });
    const digest = await sys.rest.upload(APP, bundle);
    // The global stream starts "now": connect before the deployment exists.
    let deploymentId = '';
    const globalReady = new Promise<void>((resolve) => setTimeout(resolve, 500));
    const global = read('/v1/events', (m) => deploymentId !== '' && finished(m) && JSON.parse(m.data).deploymentId === deploymentId);
    await globalReady;
    deploymentId = await sys.rest.deploy(APP, 'fleet', digest);

    const first = await read(`/v1/deployments/${deploymentId}/events`, (_m, all) => all.length === 5);
    const resumeFrom = first[first.length - 1].id!;
    const second = await read(`/v1/deployments/${deploymentId}/events`, finished, { 'last-event-id': resumeFrom });
    const whole = await read(`/v1/deployments/${deploymentId}/events`, finished);

    const ids = whole.map((m) => m.id!);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...first, ...second].map((m) => [m.id, m.event, m.data])).toEqual(whole.map((m) => [m.id, m.event, m.data]));
    // Creation, start, every host's events and its end, the close: 2 hosts × 7 events at least.
    expect(whole.filter((m) => m.event === 'LifecycleEvent').length).toBeGreaterThanOrEqual(14);
    expect(JSON.parse(whole[0].data)).toMatchObject({ type: 'DeploymentStatus', status: 'Created', deploymentId });
    expect(JSON.parse(whole[whole.length - 1].data)).toMatchObject({ type: 'DeploymentStatus', status: 'Succeeded' });

    const mine = (await global).filter((m) => JSON.parse(m.data).deploymentId === deploymentId);
    expect(mine.map((m) => m.data)).toEqual(whole.map((m) => m.data));
    // ?after= resumes the global stream the same way (EventSource cannot set headers at first).
    const middle = mine[3].id!;
    const rest = await read(`/v1/events?after=${middle}`, (m) => finished(m) && JSON.parse(m.data).deploymentId === deploymentId);
    expect(rest.filter((m) => JSON.parse(m.data).deploymentId === deploymentId).map((m) => m.data)).toEqual(mine.slice(4).map((m) => m.data));
  });

  it("gives another account's global stream none of this account's deployments, until a grant reaches their group", async () => {
    printLogsOnFailure();
    const { adminToken } = await sys.rest.ok('POST', '/v1/accounts', { accountId: 'stream-guest' });
    const digest = await sys.rest.upload(APP, await makeBundle({}));
    let granted = '';
    const endOfGranted = (m: SseMessage) => granted !== '' && finished(m) && JSON.parse(m.data).deploymentId === granted;
    const streamsReady = new Promise<void>((resolve) => setTimeout(resolve, 500));
    const guestStream = read('/v1/events', endOfGranted, {}, adminToken.token);
    const ownerStream = read('/v1/events', endOfGranted);
    await streamsReady;

    const hidden = await sys.rest.deploy(APP, 'fleet', digest);
    await sys.rest.waitFor(hidden, ['Succeeded']);
    await sys.rest.ok('POST', '/v1/grants', { applicationName: APP, deploymentGroupName: 'fleet', granteeAccountId: 'stream-guest', role: 'viewer' });
    granted = await sys.rest.deploy(APP, 'fleet', digest);

    const [guest, owner] = await Promise.all([guestStream, ownerStream]);
    const of = (messages: SseMessage[], id: string) => messages.filter((m) => JSON.parse(m.data).deploymentId === id).map((m) => m.data);
    expect(of(owner, hidden).length).toBeGreaterThan(5);
    expect(of(guest, hidden)).toEqual([]);
    expect(of(guest, granted)).toEqual(of(owner, granted));
    // Nothing of any other deployment reached the guest either.
    expect(guest.every((m) => JSON.parse(m.data).deploymentId === granted)).toBe(true);
  });

  it('refuses a malformed Last-Event-ID and an unknown deployment with 4xx, not a stream', async () => {
    const bad = await fetch(`${sys.apiUrl}/v1/events`, { headers: { authorization: `Bearer ${sys.adminToken}`, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${sys.apiUrl}/v1/deployments/d-AAAAAAAAA/events`, { headers: { authorization: `Bearer ${sys.adminToken}` } });
    expect(missing.status).toBe(404);
    const anonymous = await fetch(`${sys.apiUrl}/v1/events`);
    expect(anonymous.status).toBe(401);
  });

  it('streams a hook\'s output while it runs, per instance and event, then ends', async () => {
    printLogsOnFailure();
    const digest = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'for i in 1 2 3 4; do echo "tick $i on $HOST_LABEL"; sleep 1; done' } } }));
    const id = await sys.rest.deploy(APP, 'fleet', digest);
    const seenWhileRunning: string[] = [];
    const messages = await read(`/v1/deployments/${id}/logs?instance=host-1&event=AfterInstall`, (m) => {
      if (m.event === 'log' && JSON.parse(m.data).text.includes('tick 1 on host-1')) {
        void sys.rest.deployment(id).then((d) => seenWhileRunning.push(d.status));
      }
      return m.event === 'end';
    });
    const text = messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data).text).join('');
    expect(text).toMatch(/tick 1 on host-1[\s\S]*tick 4 on host-1/);
    expect(text).not.toContain('host-2');
    expect(messages.filter((m) => m.event === 'log').length).toBeGreaterThan(1); // it came in pieces, as written
    expect(seenWhileRunning[0]).toBe('InProgress');
    expect(JSON.parse(messages[messages.length - 1].data)).toMatchObject({ deploymentId: id, status: 'Succeeded' });
    // The same text is kept per event.
    const stored = await sys.rest.ok('GET', `/v1/deployments/${id}/targets/host-1/logs?event=AfterInstall`);
    expect(stored).toBe(text);
  });
});

/** Prometheus text exposition: every line a comment (HELP/TYPE) or a sample; samples by name+labels. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/.test(line)) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

describe('/metrics and the queue board', () => {
  it('is Prometheus text whose counters move after a deployment', async () => {
    printLogsOnFailure();
    const scrape = async () => {
      const res = await fetch(`${sys.apiUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return parsePrometheus(await res.text());
    };
    const digest = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'echo metrics' } } }));
    const before = await scrape();
    const id = await sys.rest.deploy(APP, 'fleet', digest);
    await sys.rest.finished(id, 'Succeeded');
    const after = await scrape();
    const moved = (key: string, by = 1) => expect((after.get(key) ?? 0) - (before.get(key) ?? 0), key).toBeGreaterThanOrEqual(by);

    moved('cutover_deployments{status="Succeeded"}');
    moved('cutover_lifecycle_event_duration_seconds_count{event="AfterInstall",status="Succeeded"}', 2);
    moved('cutover_lifecycle_event_duration_seconds_count{event="DownloadBundle",status="Succeeded"}', 2);
    moved('cutover_queue_jobs_completed_total{queue="instances"}', 2);
    moved('cutover_http_request_duration_seconds_count{method="POST",route="/v1/deployments/",status="201"}');
    expect(after.get('cutover_agents{status="Online"}')).toBe(2);
    expect(after.has('cutover_queue_jobs{queue="scheduler",state="waiting"}')).toBe(true);
    expect(after.has('cutover_notification_deliveries_total{outcome="Failed"}')).toBe(true);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('serves the BullMQ board at /admin/queues to the admin token only', async () => {
    const anonymous = await fetch(`${sys.apiUrl}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${sys.apiUrl}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from('x:not-the-token').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${sys.apiUrl}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:${sys.adminToken}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    expect(await basic.text()).toContain('<html');
    const api = await fetch(`${sys.apiUrl}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${sys.adminToken}` } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['scheduler', 'instances']));
  });
});
