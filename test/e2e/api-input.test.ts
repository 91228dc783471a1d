/**
 * Bad REST input gets a clear 4xx with {"error":{"code","message","details"}} and writes nothing:
 * the store's keys and their contents are compared before and after every rejected request.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Redis } from 'ioredis';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { connectRedis, isRecordKey, keysOf } from '../helpers/redis.js';
import * as tar from 'tar';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

let sys: TestSystem;
let redis: Redis;
let digest: string;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'input' });
  redis = connectRedis();
  await sys.rest.createApplication('shop');
  await sys.rest.createGroup('shop', 'prod', 'CodeDeployDefault.AllAtOnce', { app: 'shop' });
  digest = await sys.rest.upload('shop', await makeBundle({ hooks: { AfterInstall: { script: 'true' } } }));
});

afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
});

/** The store's records (BullMQ's own bookkeeping moves on its own and is left out). */
async function snapshot(): Promise<Map<string, string>> {
  const keys = (await keysOf(redis, sys.prefix)).filter(isRecordKey);
  const result = new Map<string, string>();
  for (const key of keys) result.set(key, ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('hex'));
  return result;
}

async function tarGzWithout(file: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-noappspec-'));
  await writeFile(path.join(dir, file), 'hello\n');
  const out = path.join(dir, '..', `${path.basename(dir)}.tgz`);
  await tar.c({ gzip: true, cwd: dir, file: out }, [file]);
  return readFile(out);
}

const cases: [string, string, string, () => Promise<unknown> | unknown, Record<string, string>?, number?][] = [
  ['malformed JSON', 'POST', '/v1/applications', () => '{"name": "x",', { 'content-type': 'application/json' }, 400],
  ['an unknown field', 'POST', '/v1/applications', () => ({ name: 'ok', nmae: 'typo' }), undefined, 400],
  ['a bad application name', 'POST', '/v1/applications', () => ({ name: 'has spaces' }), undefined, 400],
  ['an existing application', 'POST', '/v1/applications', () => ({ name: 'shop' }), undefined, 409],
  ['FLEET_PERCENT over 99', 'POST', '/v1/deployment-configs', () => ({ name: 'c1', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 150 } }), undefined, 400],
  ['a negative HOST_COUNT', 'POST', '/v1/deployment-configs', () => ({ name: 'c2', minimumHealthyHosts: { type: 'HOST_COUNT', value: -1 } }), undefined, 400],
  ['an unknown minimum type', 'POST', '/v1/deployment-configs', () => ({ name: 'c3', minimumHealthyHosts: { type: 'BOGUS', value: 1 } }), undefined, 400],
  ['a reserved config name', 'POST', '/v1/deployment-configs', () => ({ name: 'CodeDeployDefault.Mine', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }), undefined, 400],
  ['a group with an unknown config', 'POST', '/v1/applications/shop/deployment-groups', () => ({ name: 'g', deploymentConfigName: 'nope' }), undefined, 404],
  ['a group in an unknown app', 'POST', '/v1/applications/nope/deployment-groups', () => ({ name: 'g' }), undefined, 404],
  ['a deployment to an unknown app', 'POST', '/v1/deployments', () => ({ applicationName: 'nope', deploymentGroupName: 'prod', revision: { revisionType: 'Bundle', digest } }), undefined, 404],
  ['a deployment to an unknown group', 'POST', '/v1/deployments', () => ({ applicationName: 'shop', deploymentGroupName: 'nope', revision: { revisionType: 'Bundle', digest } }), undefined, 404],
  ['a deployment of an unknown revision', 'POST', '/v1/deployments', () => ({ applicationName: 'shop', deploymentGroupName: 'prod', revision: { revisionType: 'Bundle', digest: 'a'.repeat(64) } }), undefined, 404],
  ['a deployment with a bad digest', 'POST', '/v1/deployments', () => ({ applicationName: 'shop', deploymentGroupName: 'prod', revision: { revisionType: 'Bundle', digest: 'xyz' } }), undefined, 400],
  ['a deployment with a bad fileExistsBehavior', 'POST', '/v1/deployments', () => ({ applicationName: 'shop', deploymentGroupName: 'prod', revision: { revisionType: 'Bundle', digest }, fileExistsBehavior: 'CLOBBER' }), undefined, 400],
  ['a JSON array body', 'POST', '/v1/deployments', () => [1, 2, 3], undefined, 400],
  ['a bundle without appspec.yml', 'POST', '/v1/applications/shop/revisions', () => tarGzWithout('README.md'), { 'content-type': 'application/gzip' }, 400],
  ['a body that is not an archive', 'POST', '/v1/applications/shop/revisions', () => Buffer.from('just some text, not a bundle'), { 'content-type': 'application/octet-stream' }, 400],
  ['an empty bundle', 'POST', '/v1/applications/shop/revisions', () => Buffer.alloc(0), { 'content-type': 'application/gzip' }, 400],
  ['a bundle with an invalid appspec', 'POST', '/v1/applications/shop/revisions', () => makeBundle({ appspec: 'version: 0.0\nos: linux\nhooks:\n  NotAnEvent:\n    - location: x.sh\n' }), { 'content-type': 'application/gzip' }, 400],
  ['blue/green without its pools', 'POST', '/v1/applications/shop/deployment-groups', () => ({ name: 'bg1', deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }, loadBalancerInfo: { driver: 'haproxy', targetGroupName: 'web', haproxy: { socketPath: '/tmp/x.sock' } } }), undefined, 400],
  ['blue/green without traffic control', 'POST', '/v1/applications/shop/deployment-groups', () => ({ name: 'bg2', deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' }, blueGreenDeploymentConfiguration: { pools: [{ poolName: 'a', tagFilters: [{ key: 'pool', value: 'a' }] }, { poolName: 'b', tagFilters: [{ key: 'pool', value: 'b' }] }] } }), undefined, 400],
  ['two pools with one name', 'POST', '/v1/applications/shop/deployment-groups', () => ({ name: 'bg3', blueGreenDeploymentConfiguration: { pools: [{ poolName: 'a', tagFilters: [{ key: 'pool', value: 'a' }] }, { poolName: 'a', tagFilters: [{ key: 'pool', value: 'b' }] }] } }), undefined, 400],
  ['an alarm of an unknown type', 'POST', '/v1/applications/shop/deployment-groups', () => ({ name: 'bg4', alarmConfiguration: { enabled: true, alarms: [{ name: 'x', type: 'CLOUDWATCH' }] } }), undefined, 400],
  ['a canary of 100 %', 'POST', '/v1/deployment-configs', () => ({ name: 'c4', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } } }), undefined, 400],
  ['a linear step in minutes and seconds', 'POST', '/v1/deployment-configs', () => ({ name: 'c5', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 1, linearIntervalSeconds: 60 } } }), undefined, 400],
  ['continue with an unknown wait type', 'POST', '/v1/deployments/d-ZZZZZZZZZ/continue', () => ({ deploymentWaitType: 'FOREVER' }), undefined, 400],
  ['continue of an unknown deployment', 'POST', '/v1/deployments/d-ZZZZZZZZZ/continue', () => ({}), undefined, 404],
  ['an unknown deployment', 'GET', '/v1/deployments/d-ZZZZZZZZZ', () => undefined, undefined, 404],
  ['a malformed deployment id', 'GET', '/v1/deployments/../../etc', () => undefined, undefined, 404],
  ['a bad status filter', 'GET', '/v1/deployments?status=Sleeping', () => undefined, undefined, 400],
];

describe('bad REST input', () => {
  for (const [what, method, url, body, headers, status] of cases) {
    it(`${what} → ${status} and nothing written`, async () => {
      onTestFailed(() => console.error(sys.logs()));
      const before = await snapshot();
      const answer = await sys.rest.request(method, url, await body(), headers);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(answer.body.error).toHaveProperty('details');
      expect(await snapshot()).toEqual(before);
    });
  }

  it('refuses requests without a valid token', async () => {
    const noToken = await fetch(`${sys.apiUrl}/v1/applications`);
    expect(noToken.status).toBe(401);
    const badToken = await fetch(`${sys.apiUrl}/v1/applications`, { headers: { authorization: 'Bearer nope' } });
    expect(badToken.status).toBe(401);
    expect(((await badToken.json()) as { error: { code: string } }).error.code).toBe('UnauthorizedException');
    // The enrollment token is for agents only.
    const enroll = await fetch(`${sys.apiUrl}/v1/applications`, { headers: { authorization: `Bearer ${sys.enrollToken}` } });
    expect(enroll.status).toBe(401);
  });

  it('continue on an in-place deployment is refused (UnsupportedActionForDeploymentTypeException), and changes nothing', async () => {
    const id = await sys.rest.deploy('shop', 'prod', digest);
    await sys.rest.waitFor(id, ['Succeeded', 'Failed', 'Stopped']);
    const before = await snapshot();
    const answer = await sys.rest.request('POST', `/v1/deployments/${id}/continue`, {});
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('UnsupportedActionForDeploymentTypeException');
    expect(await snapshot()).toEqual(before);
  });

  it('a clientToken makes deployment creation idempotent', async () => {
    const body = { applicationName: 'shop', deploymentGroupName: 'prod', revision: { revisionType: 'Bundle', digest }, clientToken: 'retry-me' };
    const first = await sys.rest.request('POST', '/v1/deployments', body);
    const again = await sys.rest.request('POST', '/v1/deployments', body);
    expect(first.status).toBe(201);
    expect(again.body.deploymentId).toBe(first.body.deploymentId);
  });
});
