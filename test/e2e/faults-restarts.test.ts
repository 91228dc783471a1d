/**
 * Restarts under a running deployment, each checked for nothing lost and nothing duplicated
 * (every hook once, every event recorded once: scripts/chaos/world.ts checkDeployment):
 *  - Redis, a redis-server of this test's own with the append-only file on, killed and started
 *    again on the same files: workers and api reconnect by themselves and the deployment completes;
 *  - the api: agents retry with backoff and carry on.
 * The heartbeat timeout is 20 s here (6 s elsewhere in tests): an outage of the api or of Redis
 * silences every agent for its length, and these tests are about riding it out, not about
 * detecting dead agents (test/e2e/faults-agent.test.ts does that).
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { connectRedis } from '../helpers/redis.js';
import { until } from '../helpers/processes.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { checkDeployment, loggingHooks } from '../../scripts/chaos/world.js';

const APP = 'restarts';
let own: OwnRedis;
let sys: TestSystem;
let redis: Redis;
let revision: string;

beforeAll(async () => {
  own = await OwnRedis.start();
  sys = await TestSystem.start({ label: 'restarts', split: true, redisUrl: own.url, env: { CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: '20' } });
  redis = connectRedis(own.url);
  redis.on('error', () => undefined); // it is down on purpose for a while
  await Promise.all(['rs-1', 'rs-2', 'rs-3'].map((name) => sys.startAgent(name, { app: APP })));
  await sys.rest.createApplication(APP);
  await sys.rest.createGroup(APP, 'fleet', 'CodeDeployDefault.OneAtATime', { app: APP });
  revision = await sys.rest.upload(APP, await makeBundle({ hooks: loggingHooks(undefined, 0.5) }));
});

afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
  await own?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(sys.logs()));
}

async function firstHostDone(id: string): Promise<void> {
  await until('the first host to finish', async () => ((await sys.rest.deployment(id)).deploymentOverview.Succeeded >= 1 ? true : undefined), 60_000, 50);
}

it('Redis killed and restarted on its append-only file mid-deployment: nothing lost, nothing twice', async () => {
  printLogsOnFailure();
  const id = await sys.rest.deploy(APP, 'fleet', revision);
  await firstHostDone(id);

  await own.kill();
  await sleep(3000);
  await own.up();

  const d = await sys.rest.finished(id, 'Succeeded', 120_000);
  expect(d.deploymentOverview).toMatchObject({ Succeeded: 3, Failed: 0, Skipped: 0 });
  expect(await checkDeployment(sys, redis, APP, id, 'fleet')).toEqual([]);
  // Both the api and the workers reconnected by themselves: the next deployment runs normally.
  expect((await fetch(`${sys.apiUrl}/healthz`)).status).toBe(200);
  const next = await sys.rest.deploy(APP, 'fleet', revision);
  await sys.rest.finished(next, 'Succeeded', 60_000);
  expect(await checkDeployment(sys, redis, APP, next, 'fleet')).toEqual([]);
  expect(sys.api!.child.exitCode).toBeNull();
  expect(sys.workers!.child.exitCode).toBeNull();
});

it('the api killed and restarted mid-deployment: agents back off, retry and carry on', async () => {
  printLogsOnFailure();
  const id = await sys.rest.deploy(APP, 'fleet', revision);
  await firstHostDone(id);

  await sys.api!.kill();
  await sleep(2000);
  await sys.startApi();

  const d = await sys.rest.finished(id, 'Succeeded', 120_000);
  expect(d.deploymentOverview).toMatchObject({ Succeeded: 3, Failed: 0, Skipped: 0 });
  expect(await checkDeployment(sys, redis, APP, id, 'fleet')).toEqual([]);
  // The agents noticed the outage and retried (with backoff) rather than giving up.
  const agentLogs = [...sys.agents.values()].map((a) => a.proc.log()).join('\n');
  expect(agentLogs).toContain('api call failed; retrying');
});
