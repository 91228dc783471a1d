/**
 * Notifications end to end: a real api + workers process, one real agent, a real SMTP server
 * (smtp-server) and a local HTTP server standing in for Slack and for a webhook receiver.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { randomBytes } from 'node:crypto';
import { freePort, TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';
import { HttpReceiver, MailCatcher } from '../helpers/receivers.js';
import { blockKitProblems } from '../helpers/block-kit.js';
import { verifyWebhook } from '../../shared/notifications/webhook/signature.js';

const APP = 'notify';
const PUBLIC_URL = 'https://cutover.example.test';
let sys: TestSystem;
let smtp: MailCatcher;
const http = new HttpReceiver();
let okBundle: string;

beforeAll(async () => {
  smtp = new MailCatcher(await freePort());
  await smtp.start();
  await http.start();
  sys = await TestSystem.start({
    label: 'notify',
    env: {
      CUTOVER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      CUTOVER_SMTP_FROM: 'Cutover <cutover@example.test>',
      CUTOVER_PUBLIC_URL: PUBLIC_URL,
      CUTOVER_NOTIFY_BACKOFF_MS: '200',
      CUTOVER_NOTIFY_DISPATCH_INTERVAL_MS: '200',
      CUTOVER_NOTIFY_TIMEOUT_MS: '3000',
    },
  });
  await sys.startAgent('host-1', { app: APP });
  await sys.rest.createApplication(APP);
  okBundle = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'echo installed' } } }));
});

afterAll(async () => {
  await sys?.stop();
  await smtp?.stop();
  await http.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

function createGroup(name: string, triggerConfigurations: unknown[]) {
  return sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
    name,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    instanceTagFilters: [{ key: 'app', value: APP }],
    triggerConfigurations,
  });
}

async function notifications(id: string): Promise<any[]> {
  return (await sys.rest.ok('GET', `/v1/deployments/${id}/notifications`)).notifications;
}

/** Wait until the deployment has `count` notifications and every one is final. */
async function settled(id: string, count: number, timeoutMs = 30_000): Promise<any[]> {
  return until(
    `${count} final notifications of ${id}`,
    async () => {
      const list = await notifications(id);
      return list.length === count && list.every((n) => n.status !== 'Pending') ? list : undefined;
    },
    timeoutMs,
    200,
  );
}

describe('notifications', () => {
  it('mails DeploymentSuccess and DeploymentFailure, posts Block Kit to Slack and a signed CodeDeploy message to a webhook', async () => {
    printLogsOnFailure();
    const secret = randomBytes(24).toString('hex');
    const group = await createGroup('main', [
      {
        triggerName: 'ops',
        triggerEvents: ['DeploymentSuccess', 'DeploymentFailure'],
        targets: [
          { type: 'email', to: ['ops@example.test'] },
          { type: 'slack', url: http.url('/services/T0001/B0001/okslacktoken') },
          { type: 'webhook', url: http.url('/hooks/deploys'), secret },
        ],
      },
    ]);
    // Secrets never come back in clear.
    const shown = JSON.stringify(group);
    expect(shown).not.toContain('okslacktoken');
    expect(shown).not.toContain(secret);
    expect(group.triggerConfigurations[0].targets[2].secret).toBe('****');
    expect(JSON.stringify(await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/main`))).not.toContain('okslacktoken');

    const ok = await sys.rest.deploy(APP, 'main', okBundle);
    await sys.rest.finished(ok, 'Succeeded');
    const okNotes = await settled(ok, 3);
    expect(okNotes.map((n) => n.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(okNotes.map((n) => n.triggerEvent)).toEqual(['DeploymentSuccess', 'DeploymentSuccess', 'DeploymentSuccess']);
    expect(JSON.stringify(okNotes)).not.toContain('okslacktoken');

    const [mail] = smtp.to('ops@example.test');
    expect(mail.subject).toBe(`[Cutover] DeploymentSuccess: ${APP}/main deployment ${ok} Succeeded`);
    expect(mail.text).toContain(`Deployment: ${ok}`);
    expect(mail.text).toContain(`Application: ${APP}`);
    expect(mail.text).toContain('Deployment group: main');
    expect(mail.text).toContain('Status: Succeeded');
    expect(mail.text).toMatch(/Revision: bundle sha256:[0-9a-f]{12}/);
    expect(mail.text).toContain('Instances: Succeeded 1, Failed 0, Skipped 0');
    expect(mail.text).toMatch(/Started: \d{4}-/);
    expect(mail.text).toMatch(/Ended: \d{4}-/);
    expect(mail.text).toContain(`${PUBLIC_URL}/v1/deployments/${ok}`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/v1/deployments/${ok}"`);

    const [slack] = http.accepted('/services/T0001/B0001/okslacktoken');
    const message = JSON.parse(slack.body);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text).toContain(ok);
    expect(JSON.stringify(message.blocks)).toContain(`${PUBLIC_URL}/v1/deployments/${ok}`);

    const [hook] = http.accepted('/hooks/deploys');
    expect(verifyWebhook(secret, hook.body, hook.headers['x-cutover-signature'] as string, Math.floor(Date.now() / 1000))).toMatchObject({ ok: true });
    expect(verifyWebhook('another-secret-entirely', hook.body, hook.headers['x-cutover-signature'] as string, Math.floor(Date.now() / 1000))).toMatchObject({ ok: false });
    expect(hook.headers['x-cutover-delivery']).toBe(okNotes.find((n) => n.channel === 'webhook').deliveryId);
    expect(JSON.parse(hook.body)).toMatchObject({
      eventTriggerName: 'ops',
      applicationName: APP,
      deploymentGroupName: 'main',
      deploymentId: ok,
      status: 'Succeeded',
      deploymentOverview: { Succeeded: '1', Failed: '0', Pending: '0', Skipped: '0', InProgress: '0' },
    });
    expect(JSON.parse(hook.body).createTime).toMatch(/^\d+\.\d{3}$/);

    const failing = await sys.rest.upload(APP, await makeBundle({ hooks: { ValidateService: { script: 'echo "unhealthy" >&2; exit 7' } } }));
    const bad = await sys.rest.deploy(APP, 'main', failing);
    await sys.rest.finished(bad, 'Failed');
    await settled(bad, 3);
    const failMail = await until('the failure mail', async () => smtp.to('ops@example.test').find((m) => m.subject.includes(bad)));
    expect(failMail.subject).toBe(`[Cutover] DeploymentFailure: ${APP}/main deployment ${bad} Failed`);
    expect(failMail.text).toContain('Status: Failed');
    expect(failMail.text).toContain('Error: HEALTH_CONSTRAINTS');
    expect(failMail.text).toContain('Instances: Succeeded 0, Failed 1');
    const failHook = JSON.parse(http.accepted('/hooks/deploys').at(-1)!.body);
    expect(failHook).toMatchObject({ deploymentId: bad, status: 'Failed', errorInformation: { ErrorCode: 'HEALTH_CONSTRAINTS' } });
    // Exactly one message per (event, target).
    expect(smtp.to('ops@example.test')).toHaveLength(2);
    expect(http.accepted('/services/T0001/B0001/okslacktoken')).toHaveLength(2);
    expect(http.accepted('/hooks/deploys')).toHaveLength(2);
  });

  it('retries a Slack webhook that answers 500 three times: one message accepted, four attempts on the record', async () => {
    printLogsOnFailure();
    const path = '/services/T0001/B0002/flaky';
    http.plan(path, [500, 500, 500]);
    await createGroup('flaky', [{ triggerName: 'slack', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'slack', url: http.url(path) }] }]);
    const id = await sys.rest.deploy(APP, 'flaky', okBundle);
    await sys.rest.finished(id, 'Succeeded');
    const [note] = await settled(id, 1);
    expect(note.status).toBe('Succeeded');
    expect(note.target).not.toContain('flaky');
    expect(note.attempts.map((a: any) => [a.outcome, a.httpStatus])).toEqual([
      ['Failed', 500],
      ['Failed', 500],
      ['Failed', 500],
      ['Succeeded', 200],
    ]);
    expect(http.to(path)).toHaveLength(4);
    expect(http.accepted(path)).toHaveLength(1);
    expect(blockKitProblems(JSON.parse(http.accepted(path)[0].body))).toEqual([]);
  });

  it('the SMTP server is down during a deployment and comes back: the mail arrives once', async () => {
    printLogsOnFailure();
    await smtp.stop();
    await createGroup('smtp-down', [{ triggerName: 'mail', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'email', to: 'late@example.test' }] }]);
    const id = await sys.rest.deploy(APP, 'smtp-down', okBundle);
    await sys.rest.finished(id, 'Succeeded');
    await until('two failed attempts', async () => {
      const [note] = await notifications(id);
      return note && note.attempts.filter((a: any) => a.outcome === 'Failed').length >= 2 ? note : undefined;
    }, 30_000, 200);
    await smtp.start();
    const [note] = await settled(id, 1, 60_000);
    expect(note.status).toBe('Succeeded');
    expect(note.attempts.at(-1).outcome).toBe('Succeeded');
    expect(note.attempts.slice(0, -1).every((a: any) => a.outcome === 'Failed' && /SMTP/.test(a.error))).toBe(true);
    expect(smtp.to('late@example.test')).toHaveLength(1);
    expect(smtp.to('late@example.test')[0].subject).toContain(`DeploymentSuccess: ${APP}/smtp-down deployment ${id}`);
  });

  it('sends instance events, and a test message on request', async () => {
    printLogsOnFailure();
    const path = '/services/T0001/B0003/instances';
    await createGroup('instances', [
      { triggerName: 'hosts', triggerEvents: ['InstanceStart', 'InstanceSuccess', 'InstanceFailure'], targets: [{ type: 'slack', url: http.url(path) }] },
    ]);
    const id = await sys.rest.deploy(APP, 'instances', okBundle);
    await sys.rest.finished(id, 'Succeeded');
    const notes = await settled(id, 2);
    expect(notes.map((n) => n.triggerEvent).sort()).toEqual(['InstanceStart', 'InstanceSuccess']);
    expect(http.accepted(path).map((r) => JSON.parse(r.body).text).join('\n')).toContain('host-1');

    const answer = await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups/instances/triggers/hosts/test`);
    expect(answer.results).toEqual([expect.objectContaining({ channel: 'slack', status: 'Succeeded' })]);
    expect(JSON.stringify(answer)).not.toContain('B0003/instances');
    const test = JSON.parse(http.accepted(path).at(-1)!.body);
    expect(blockKitProblems(test)).toEqual([]);
    expect(test.text).toContain('Test notification');
    expect((await sys.rest.request('POST', `/v1/applications/${APP}/deployment-groups/instances/triggers/nope/test`)).status).toBe(404);
  });

  it('refuses bad trigger configurations with a 400', async () => {
    const post = (triggerConfigurations: unknown) =>
      sys.rest.request('POST', `/v1/applications/${APP}/deployment-groups`, { name: `bad-${randomBytes(3).toString('hex')}`, triggerConfigurations });
    const target = { type: 'slack', url: http.url('/x') };
    const eleven = Array.from({ length: 11 }, (_, i) => ({ triggerName: `t${i}`, triggerEvents: ['DeploymentStart'], targets: [target] }));
    for (const bad of [
      eleven,
      [{ triggerName: 'x', triggerEvents: ['DeploymentStarted'], targets: [target] }],
      [{ triggerName: 'x', triggerEvents: ['DeploymentStart'], targets: [{ type: 'webhook', url: http.url('/y'), secret: 'short' }] }],
      [{ triggerName: 'x', triggerEvents: ['DeploymentStart'], targets: [{ type: 'pager', url: http.url('/y') }] }],
      [{ triggerName: 'x', triggerEvents: ['DeploymentStart'], targets: [{ type: 'email', to: 'not-an-address' }] }],
    ]) {
      const answer = await post(bad);
      expect(answer.status, JSON.stringify(bad).slice(0, 100)).toBe(400);
      expect(answer.body.error.code).toBe('ValidationException');
    }
  });
});
