/**
 * A notifier worker killed in the middle of a send (the Slack stand-in has the request and has
 * not answered): the delivery is not lost, is not sent twice at once, and ends with exactly one
 * accepted message; the record shows the interrupted attempt.
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';
import { HttpReceiver } from '../helpers/receivers.js';

const APP = 'crash';
let sys: TestSystem;
const http = new HttpReceiver();

beforeAll(async () => {
  await http.start();
  sys = await TestSystem.start({
    label: 'notify-crash',
    split: true,
    env: { CUTOVER_NOTIFY_BACKOFF_MS: '200', CUTOVER_NOTIFY_DISPATCH_INTERVAL_MS: '200', CUTOVER_NOTIFY_TIMEOUT_MS: '2000' },
  });
  await sys.startAgent('host-1', { app: APP });
  await sys.rest.createApplication(APP);
});

afterAll(async () => {
  await sys?.stop();
  await http.stop();
});

it('a worker killed mid-send: the message is still delivered, once', async () => {
  onTestFailed(() => {
    console.error(sys.logs());
  });
  const path = '/services/T0001/B0009/crash';
  http.plan(path, [0]); // the first request is held: the worker is mid-send when it dies
  await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
    name: 'g',
    instanceTagFilters: [{ key: 'app', value: APP }],
    triggerConfigurations: [{ triggerName: 'slack', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'slack', url: http.url(path) }] }],
  });
  const id = await sys.rest.deploy(APP, 'g', await sys.rest.upload(APP, await makeBundle({})));
  await sys.rest.finished(id, 'Succeeded');
  await until('the send to reach the stand-in', async () => (http.to(path).length === 1 ? true : undefined), 30_000);

  await sys.workers!.kill();
  await sys.startWorkers();

  const note = await until(
    'the delivery to succeed',
    async () => {
      const [n] = (await sys.rest.ok('GET', `/v1/deployments/${id}/notifications`)).notifications;
      return n?.status === 'Succeeded' ? n : undefined;
    },
    60_000,
    250,
  );
  expect(note.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['Interrupted', 'Succeeded']);
  expect(http.to(path)).toHaveLength(2);
  expect(http.accepted(path)).toHaveLength(1);
});
