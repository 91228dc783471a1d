/**
 * Updating deployment groups: `cutover apply` run as a user runs it (a process per command) plans
 * and carries out updates, is idempotent, and never destroys or prints a secret; and
 * PUT /v1/applications/:app/deployment-groups/:group merges, keeps masked secrets, leaves created
 * deployments as they were, and refuses bad input with a 4xx while writing nothing.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { TestSystem } from '../helpers/system.js';
import { runCli } from '../helpers/cli.js';
import { connectRedis, isRecordKey, keysOf } from '../helpers/redis.js';
import { makeBundle } from '../helpers/bundles.js';

const APP = 'upd-app';
const SLACK_URL = 'https://hooks.slack.com/services/T0000/B0000/slackSecretPathXYZ9';
const WEBHOOK_URL = 'https://hooks.example.invalid/cutover/webhookSecretPath42';
const WEBHOOK_SECRET = 'webhook-signing-secret-0123456789';
const ADMIN_TOKEN = 'router-admin-token-0123456789abcdef';
const SECRETS = [SLACK_URL, 'slackSecretPath', WEBHOOK_URL, 'webhookSecretPath', WEBHOOK_SECRET, ADMIN_TOKEN];

let sys: TestSystem;
let redis: Redis;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // api and workers apart: nothing here needs the workers (a deployment is only created, not run).
  sys = await TestSystem.start({ label: 'group-update', split: true });
  redis = connectRedis();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-group-update-'));
  env = { CUTOVER_CONFIG: path.join(dir, 'none.json'), CUTOVER_API: sys.apiUrl, CUTOVER_TOKEN: sys.adminToken };
});

afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
});

/** The store's records (BullMQ's bookkeeping and the notifier's passing lock move on their own and are left out). */
async function snapshot(): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const key of (await keysOf(redis, sys.prefix)).filter(isRecordKey)) {
    result.set(key, ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('hex'));
  }
  return result;
}

/** The group as stored, secrets in clear. */
async function storedGroup(app: string, name: string): Promise<Record<string, any>> {
  return JSON.parse((await redis.get(`{${sys.prefix}}:group:${app}:${name}`)) ?? 'null');
}

const groupPath = (app: string, name: string) => `/v1/applications/${app}/deployment-groups/${name}`;

interface FileOptions {
  config?: string;
  slackEvents?: string[];
  /** The triggers and load balancer as YAML flow text (e.g. copied from GET, masked). */
  triggers?: unknown;
  loadBalancerInfo?: unknown;
  minimum?: number;
}

function applyFile(o: FileOptions = {}): string {
  const triggers = o.triggers ?? [
    { triggerName: 'chat', triggerEvents: o.slackEvents ?? ['DeploymentSuccess'], targets: [{ type: 'slack', url: SLACK_URL }] },
    { triggerName: 'hook', triggerEvents: ['DeploymentFailure'], targets: [{ type: 'webhook', url: WEBHOOK_URL, secret: WEBHOOK_SECRET }] },
  ];
  const lb = o.loadBalancerInfo ?? { driver: 'builtin', targetGroupName: 'web', builtin: { adminUrl: 'http://127.0.0.1:9/', adminToken: ADMIN_TOKEN } };
  // JSON is YAML: flow values keep the file short and exact.
  return `applications:
  ${APP}:
    deploymentGroups:
      web:
        deploymentConfigName: ${o.config ?? 'CodeDeployDefault.AllAtOnce'}
        instanceTagFilters: [{ key: app, value: ${APP} }]
        triggerConfigurations: ${JSON.stringify(triggers)}
        loadBalancerInfo: ${JSON.stringify(lb)}
deploymentConfigs:
  UpdTwoDown:
    minimumHealthyHosts: { type: HOST_COUNT, value: ${o.minimum ?? 1} }
`;
}

async function apply(contents: string, ...flags: string[]) {
  const file = path.join(dir, 'cutover.yml');
  await writeFile(file, contents);
  const result = await runCli(['apply', '-f', file, ...flags], env);
  for (const secret of SECRETS) {
    expect(result.stdout, 'apply never prints a secret').not.toContain(secret);
    expect(result.stderr, 'apply never prints a secret').not.toContain(secret);
  }
  return result;
}

describe('cutover apply updates deployment groups', () => {
  it('creates, then finds nothing to do, then updates only what the file changed, keeping secrets', async () => {
    onTestFailed(() => console.error(sys.logs()));
    const first = await apply(applyFile());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`+ application ${APP}`);
    expect(first.stdout).toContain('+ deployment config UpdTwoDown');
    expect(first.stdout).toContain(`+ deployment group ${APP}/web`);

    const before = await snapshot();
    const again = await apply(applyFile());
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`= application ${APP} (unchanged)`);
    expect(again.stdout).toContain('= deployment config UpdTwoDown (unchanged)');
    expect(again.stdout).toContain(`= deployment group ${APP}/web (unchanged)`);
    expect(again.stdout).not.toMatch(/^[+~!] /m);
    expect(again.stdout).toContain('No changes');
    expect(await snapshot()).toEqual(before);

    const dry = await apply(applyFile({ config: 'UpdTwoDown' }), '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`~ deployment group ${APP}/web (deploymentConfigName)`);
    expect(await snapshot()).toEqual(before);

    const edited = await apply(applyFile({ config: 'UpdTwoDown', slackEvents: ['DeploymentSuccess', 'DeploymentFailure'] }));
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain(`~ deployment group ${APP}/web (deploymentConfigName, triggerConfigurations)`);
    expect(edited.stdout).toContain('deploymentConfigName: "CodeDeployDefault.AllAtOnce" → "UpdTwoDown"');
    expect(edited.stdout).toContain('Applied: 0 created, 1 updated, 2 unchanged.');
    const shown = await sys.rest.ok('GET', groupPath(APP, 'web'));
    expect(shown.deploymentConfigName).toBe('UpdTwoDown');
    expect(shown.triggerConfigurations[0].triggerEvents).toEqual(['DeploymentSuccess', 'DeploymentFailure']);
    const stored = await storedGroup(APP, 'web');
    expect(stored.triggerConfigurations[0].targets[0].url).toBe(SLACK_URL);
    expect(stored.triggerConfigurations[1].targets[0]).toEqual({ type: 'webhook', url: WEBHOOK_URL, secret: WEBHOOK_SECRET });
    expect(stored.loadBalancerInfo.builtin.adminToken).toBe(ADMIN_TOKEN);
    expect(stored.instanceTagFilters).toEqual([{ key: 'app', value: APP }]);

    const settled = await apply(applyFile({ config: 'UpdTwoDown', slackEvents: ['DeploymentSuccess', 'DeploymentFailure'] }));
    expect(settled.stdout).toContain(`= deployment group ${APP}/web (unchanged)`);
    expect(settled.stdout).toContain('No changes');
  });

  it('a file with the masked values GET shows is unchanged, and updating from it keeps the stored secrets', async () => {
    onTestFailed(() => console.error(sys.logs()));
    const shown = await sys.rest.ok('GET', groupPath(APP, 'web'));
    expect(JSON.stringify(shown)).not.toContain('slackSecretPath');
    const masked = { triggers: shown.triggerConfigurations, loadBalancerInfo: shown.loadBalancerInfo };
    const before = await snapshot();
    const same = await apply(applyFile({ config: 'UpdTwoDown', ...masked }));
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain(`= deployment group ${APP}/web (unchanged)`);
    expect(await snapshot()).toEqual(before);

    const back = await apply(applyFile({ config: 'CodeDeployDefault.AllAtOnce', ...masked }));
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(`~ deployment group ${APP}/web (deploymentConfigName)`);
    const stored = await storedGroup(APP, 'web');
    expect(stored.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');
    expect(stored.triggerConfigurations[0].targets[0].url).toBe(SLACK_URL);
    expect(stored.triggerConfigurations[1].targets[0]).toEqual({ type: 'webhook', url: WEBHOOK_URL, secret: WEBHOOK_SECRET });
    expect(stored.loadBalancerInfo.builtin.adminToken).toBe(ADMIN_TOKEN);
  });

  it('a changed deployment config is refused (configs are immutable) and nothing in the file is applied', async () => {
    const before = await snapshot();
    const refused = await apply(applyFile({ config: 'UpdTwoDown', minimum: 2, slackEvents: ['DeploymentSuccess', 'DeploymentFailure'] }));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/! deployment config UpdTwoDown \(deployment configs cannot be changed/);
    expect(refused.stdout).toContain(`~ deployment group ${APP}/web (deploymentConfigName)`);
    expect(refused.stderr).toContain('nothing was changed');
    expect(await snapshot()).toEqual(before);
  });
});

describe('PUT /v1/applications/:app/deployment-groups/:group', () => {
  const app = 'upd-rest';

  beforeAll(async () => {
    await sys.rest.createApplication(app);
    await sys.rest.ok('POST', `/v1/applications/${app}/deployment-groups`, {
      name: 'prod',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      instanceTagFilters: [{ key: 'app', value: app }],
      triggerConfigurations: [{ triggerName: 'hook', triggerEvents: ['DeploymentFailure'], targets: [{ type: 'webhook', url: WEBHOOK_URL, secret: WEBHOOK_SECRET }] }],
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    });
  });

  const refusals: [string, string, unknown, number, string][] = [
    ['an unknown group', groupPath(app, 'nope'), { deploymentConfigName: 'CodeDeployDefault.OneAtATime' }, 404, 'DeploymentGroupDoesNotExistException'],
    ['an unknown application', groupPath('nope', 'prod'), {}, 404, 'ApplicationDoesNotExistException'],
    ['an unknown field', groupPath(app, 'prod'), { deploymentConfigName: 'CodeDeployDefault.OneAtATime', colour: 'blue' }, 400, 'ValidationException'],
    ['a bad tag filter', groupPath(app, 'prod'), { instanceTagFilters: [{ type: 'KEY_ONLY' }] }, 400, 'ValidationException'],
    ['both target forms', groupPath(app, 'prod'), { instanceTagFilters: [{ key: 'a' }], instanceTagSet: [[{ key: 'b' }]] }, 400, 'ValidationException'],
    // Valid alone, invalid merged with the stored group (which has no load balancer).
    ['traffic control without a load balancer', groupPath(app, 'prod'), { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' } }, 400, 'ValidationException'],
    ['an unknown deployment config', groupPath(app, 'prod'), { deploymentConfigName: 'NoSuchConfig' }, 404, 'DeploymentConfigDoesNotExistException'],
    ['a rename', groupPath(app, 'prod'), { newDeploymentGroupName: 'prod2' }, 400, 'ValidationException'],
    ['another name in the body', groupPath(app, 'prod'), { name: 'other', deploymentConfigName: 'CodeDeployDefault.OneAtATime' }, 400, 'ValidationException'],
    ['a masked URL that stands for no stored target', groupPath(app, 'prod'), { triggerConfigurations: [{ triggerName: 't', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'slack', url: 'https://hooks.slack.com/****XYZ9' }] }] }, 400, 'ValidationException'],
    ['a masked secret for a new webhook URL', groupPath(app, 'prod'), { triggerConfigurations: [{ triggerName: 'hook', triggerEvents: ['DeploymentFailure'], targets: [{ type: 'webhook', url: 'https://elsewhere.example.invalid/x', secret: '****' }] }] }, 400, 'ValidationException'],
    ['a redacted admin token with no stored one', groupPath(app, 'prod'), { loadBalancerInfo: { driver: 'builtin', targetGroupName: 'web', builtin: { adminUrl: 'http://127.0.0.1:9/', adminToken: '[redacted]' } } }, 400, 'ValidationException'],
    ['a JSON array body', groupPath(app, 'prod'), [1, 2], 400, 'ValidationException'],
  ];
  for (const [what, url, body, status, code] of refusals) {
    it(`${what} → ${status} ${code} and nothing written`, async () => {
      const before = await snapshot();
      const answer = await sys.rest.request('PUT', url, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.error).toMatchObject({ code, message: expect.any(String) });
      expect(answer.body.error).toHaveProperty('details');
      expect(await snapshot()).toEqual(before);
    });
  }

  it('replaces the fields given, keeps the others (and a masked secret sent back), and null resets one', async () => {
    const shown = await sys.rest.ok('GET', groupPath(app, 'prod'));
    const id = shown.deploymentGroupId;
    const updated = await sys.rest.ok('PUT', groupPath(app, 'prod'), {
      name: 'prod',
      instanceTagSet: [[{ key: 'app', value: app }], [{ key: 'tier', value: 'web' }]],
      triggerConfigurations: shown.triggerConfigurations.map((t: any) => ({ ...t, triggerEvents: ['DeploymentFailure', 'DeploymentStop'] })),
    });
    expect(updated).toMatchObject({ deploymentGroupId: id, deploymentGroupName: 'prod', createTime: shown.createTime, deploymentConfigName: 'CodeDeployDefault.AllAtOnce' });
    expect(updated.triggerConfigurations[0].targets[0].secret).toBe('****');
    const stored = await storedGroup(app, 'prod');
    expect(stored.instanceTagFilters).toEqual([]);
    expect(stored.instanceTagSet).toEqual([[{ key: 'app', value: app }], [{ key: 'tier', value: 'web' }]]);
    expect(stored.triggerConfigurations[0]).toEqual({ triggerName: 'hook', triggerEvents: ['DeploymentFailure', 'DeploymentStop'], targets: [{ type: 'webhook', url: WEBHOOK_URL, secret: WEBHOOK_SECRET }] });
    expect(stored.autoRollbackConfiguration).toEqual({ enabled: true, events: ['DEPLOYMENT_FAILURE'] });

    await sys.rest.ok('PUT', groupPath(app, 'prod'), { deploymentConfigName: null, autoRollbackConfiguration: null });
    const reset = await storedGroup(app, 'prod');
    expect(reset.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime');
    expect(reset).not.toHaveProperty('autoRollbackConfiguration');
    expect(reset.triggerConfigurations[0].targets[0].secret).toBe(WEBHOOK_SECRET);
    expect(reset.deploymentGroupId).toBe(id);
  });

  it('concurrent updates of different fields both land', async () => {
    const answers = await Promise.all([
      sys.rest.request('PUT', groupPath(app, 'prod'), { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' }),
      sys.rest.request('PUT', groupPath(app, 'prod'), { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] } }),
      sys.rest.request('PUT', groupPath(app, 'prod'), { instanceTagFilters: [{ key: 'app', value: app }] }),
    ]);
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    const stored = await storedGroup(app, 'prod');
    expect(stored.deploymentConfigName).toBe('CodeDeployDefault.HalfAtATime');
    expect(stored.autoRollbackConfiguration).toEqual({ enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] });
    expect(stored.instanceTagFilters).toEqual([{ key: 'app', value: app }]);
    expect(stored.instanceTagSet).toEqual([]);
  });

  it('a deployment created before an update keeps the group it snapshotted', async () => {
    const digest = await sys.rest.upload(app, await makeBundle({ hooks: { AfterInstall: { script: 'true' } } }));
    const id = await sys.rest.deploy(app, 'prod', digest);
    const before = await sys.rest.deployment(id);
    expect(before.deploymentConfigName).toBe('CodeDeployDefault.HalfAtATime');
    await sys.rest.ok('PUT', groupPath(app, 'prod'), {
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      autoRollbackConfiguration: { enabled: false },
      instanceTagFilters: [{ key: 'app', value: 'someone-else' }],
    });
    const after = await sys.rest.deployment(id);
    expect(after.deploymentConfigName).toBe('CodeDeployDefault.HalfAtATime');
    expect(after.autoRollbackConfiguration).toEqual(before.autoRollbackConfiguration);
    expect(after.deploymentGroupId).toBe(before.deploymentGroupId);
    const spec = JSON.parse((await redis.hget(`{${sys.prefix}}:dep:${id}`, 'spec')) ?? '{}');
    expect(spec.instanceTagFilters).toEqual([{ key: 'app', value: app }]);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await sys.rest.ok('GET', '/v1/openapi.json');
    expect(doc.paths['/v1/applications/{app}/deployment-groups/{group}'].put.requestBody).toBeDefined();
  });
});
