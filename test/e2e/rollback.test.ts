/**
 * Automatic rollback and redeploy, end to end: a failed deployment is replaced by a new deployment
 * (creator codeDeployRollback) of the group's last successful revision, linked both ways; with
 * no earlier success it says why; a rollback never rolls back itself; a redeploy with
 * updateOutdatedInstancesOnly reaches only the hosts not on the revision yet.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundle, type HookSpec } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';

const APP = 'rb';
const HOSTS = ['rb-1', 'rb-2', 'rb-3'];
const ROLLBACK_ON_FAILURE = { enabled: true, events: ['DEPLOYMENT_FAILURE'] };
let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'rollback' });
  await Promise.all(HOSTS.map((name) => sys.startAgent(name, { app: APP })));
  await sys.rest.createApplication(APP);
});

afterAll(async () => {
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(sys.logs()));
}

/** A revision that installs VERSION under /srv/<group>; `failOn` hosts fail ValidateService; a `broken` flag file fails it anywhere. */
async function revision(group: string, version: string, failOn: string[] = []): Promise<string> {
  const validate: HookSpec = {
    script: [
      `for h in ${failOn.join(' ') || 'none'}; do if [ "$HOST_LABEL" = "$h" ]; then echo "${version} is unhealthy on $h" >&2; exit 3; fi; done`,
      `if [ -f "$CUTOVER_INSTALL_ROOT/broken-${group}" ]; then echo "broken flag" >&2; exit 4; fi`,
    ].join('\n'),
  };
  const bundle = await makeBundle({
    files: { 'app/VERSION': `${version}\n` },
    install: [{ source: 'app/VERSION', destination: `/srv/${group}` }],
    hooks: { ValidateService: validate },
  });
  return sys.rest.upload(APP, bundle);
}

async function versionOn(host: string, group: string): Promise<string> {
  return (await readFile(path.join(sys.agents.get(host)!.installRoot, 'srv', group, 'VERSION'), 'utf8')).trim();
}

async function createGroup(name: string, config: string, extra: Record<string, unknown> = {}): Promise<void> {
  await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
    name,
    deploymentConfigName: config,
    instanceTagFilters: [{ key: 'app', value: APP }],
    ...extra,
  });
}

async function groupDeployments(group: string): Promise<any[]> {
  return (await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=${group}`)).deployments;
}

/** Wait until the deployment has ended and its rollback is settled; its rollbackInfo. */
async function settledRollback(id: string): Promise<{ rollbackDeploymentId?: string; rollbackMessage: string }> {
  await sys.rest.waitFor(id, ['Succeeded', 'Failed', 'Stopped'], 60_000);
  return until(`deployment ${id}'s rollback to be settled`, async () => (await sys.rest.deployment(id)).rollbackInfo?.rollbackMessage ? (await sys.rest.deployment(id)).rollbackInfo : undefined, 30_000);
}

describe('automatic rollback', () => {
  it('a failed deployment is rolled back to the last successful revision, linked both ways', async () => {
    printLogsOnFailure();
    await createGroup('auto', 'CodeDeployDefault.OneAtATime', { autoRollbackConfiguration: ROLLBACK_ON_FAILURE });
    const v1 = await revision('auto', 'v1');
    const good = await sys.rest.deploy(APP, 'auto', v1, { fileExistsBehavior: 'OVERWRITE' });
    await sys.rest.finished(good, 'Succeeded');

    const v2 = await revision('auto', 'v2', ['rb-2']);
    const bad = await sys.rest.deploy(APP, 'auto', v2);
    const failed = await sys.rest.finished(bad, 'Failed');
    expect(failed.errorInformation.code).toBe('HEALTH_CONSTRAINTS');
    expect(failed.autoRollbackConfiguration).toEqual(ROLLBACK_ON_FAILURE);

    const rollbackId = (await settledRollback(bad)).rollbackDeploymentId!;
    expect(rollbackId).toMatch(/^d-/);
    const rollback = await sys.rest.finished(rollbackId, 'Succeeded');
    expect(rollback).toMatchObject({
      creator: 'codeDeployRollback',
      revision: { revisionType: 'Bundle', digest: v1 },
      fileExistsBehavior: 'OVERWRITE', // the last good deployment's
      rollbackInfo: { rollbackTriggeringDeploymentId: bad },
    });
    expect(rollback.autoRollbackConfiguration).toBeUndefined();
    const replaced = await sys.rest.deployment(bad);
    expect(replaced.rollbackInfo.rollbackMessage).toContain(rollbackId);
    expect(replaced.rollbackInfo.rollbackMessage).toContain(good);
    for (const host of HOSTS) expect(await versionOn(host, 'auto')).toBe('v1');

    // Exactly one rollback; the group knows its last attempted and successful deployments.
    const all = await groupDeployments('auto');
    expect(all.filter((d) => d.creator === 'codeDeployRollback')).toHaveLength(1);
    const group = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/auto`);
    expect(group.lastSuccessfulDeployment).toMatchObject({ deploymentId: rollbackId, status: 'Succeeded' });
    expect(group.lastAttemptedDeployment).toMatchObject({ deploymentId: rollbackId, status: 'Succeeded' });
    expect(group.lastSuccessfulDeployment.endTime).toBeTruthy();
    const { instances } = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/auto/instances`);
    expect(instances.map((i: any) => [i.instanceName, i.revision?.digest, i.revisionHealth, i.outdated])).toEqual(
      HOSTS.map((h) => [h, v1, 'Current', false]),
    );
  });

  it('with no earlier success there is no rollback, and the deployment says why', async () => {
    printLogsOnFailure();
    await createGroup('nothing-good', 'CodeDeployDefault.AllAtOnce', { autoRollbackConfiguration: ROLLBACK_ON_FAILURE });
    const id = await sys.rest.deploy(APP, 'nothing-good', await revision('nothing-good', 'v1', HOSTS));
    await sys.rest.finished(id, 'Failed');
    const d = { rollbackInfo: await settledRollback(id) };
    expect(d.rollbackInfo.rollbackDeploymentId).toBeUndefined();
    expect(d.rollbackInfo.rollbackMessage).toMatch(/no deployment has succeeded on deployment group nothing-good/);
    expect(await groupDeployments('nothing-good')).toHaveLength(1);
  });

  it('a rollback that fails is not rolled back; a per-deployment override turns rollback on', async () => {
    printLogsOnFailure();
    await createGroup('no-chain', 'CodeDeployDefault.AllAtOnce'); // no rollback on the group
    const v1 = await revision('no-chain', 'v1');
    await sys.rest.finished(await sys.rest.deploy(APP, 'no-chain', v1), 'Succeeded');
    // Now v1 itself fails everywhere, so its rollback fails too.
    await Promise.all(HOSTS.map((h) => writeFile(path.join(sys.agents.get(h)!.installRoot, 'broken-no-chain'), 'x')));
    try {
      const bad = await sys.rest.deploy(APP, 'no-chain', await revision('no-chain', 'v2'), { autoRollbackConfiguration: ROLLBACK_ON_FAILURE });
      await sys.rest.finished(bad, 'Failed');
      const rollbackLinked = (await settledRollback(bad)).rollbackDeploymentId!;
      expect(rollbackLinked).toMatch(/^d-/);
      const rollback = await sys.rest.finished(rollbackLinked, 'Failed');
      expect(rollback.creator).toBe('codeDeployRollback');
      // Give the scheduler time to (wrongly) roll back the rollback, then check it did not.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await sys.rest.deployment(rollbackLinked)).rollbackInfo.rollbackDeploymentId).toBeUndefined();
      expect(await groupDeployments('no-chain')).toHaveLength(3);
    } finally {
      await Promise.all(HOSTS.map((h) => rm(path.join(sys.agents.get(h)!.installRoot, 'broken-no-chain'), { force: true })));
    }
  });
});

describe('manual rollback', () => {
  it('rolls a finished deployment back to the success before it, once; refuses when there is none', async () => {
    printLogsOnFailure();
    await createGroup('manual', 'CodeDeployDefault.AllAtOnce');
    const v1 = await revision('manual', 'v1');
    const first = await sys.rest.deploy(APP, 'manual', v1);
    await sys.rest.finished(first, 'Succeeded');
    const second = await sys.rest.deploy(APP, 'manual', await revision('manual', 'v2'));
    await sys.rest.finished(second, 'Succeeded');

    const none = await sys.rest.request('POST', `/v1/deployments/${first}/rollback`, {});
    expect([none.status, none.body.error.code]).toEqual([409, 'RollbackNotPossibleException']);

    const asked = await sys.rest.request('POST', `/v1/deployments/${second}/rollback`, {});
    expect(asked.status).toBe(201);
    const rollbackId = asked.body.deploymentId as string;
    const again = await sys.rest.request('POST', `/v1/deployments/${second}/rollback`, {});
    expect([again.status, again.body.deploymentId]).toEqual([200, rollbackId]);
    const rollback = await sys.rest.finished(rollbackId, 'Succeeded');
    expect(rollback).toMatchObject({ creator: 'codeDeployRollback', revision: { digest: v1 }, rollbackInfo: { rollbackTriggeringDeploymentId: second } });
    expect((await sys.rest.deployment(second)).rollbackInfo.rollbackDeploymentId).toBe(rollbackId);
    for (const host of HOSTS) expect(await versionOn(host, 'manual')).toBe('v1');
  });
});

describe('redeploy', () => {
  it('updateOutdatedInstancesOnly reaches only the hosts not on the revision; revisions show their use', async () => {
    printLogsOnFailure();
    await createGroup('redeploy', 'CodeDeployDefault.AllAtOnce');
    const v1 = await revision('redeploy', 'v1');
    await sys.rest.finished(await sys.rest.deploy(APP, 'redeploy', v1), 'Succeeded');
    // v2 fails on rb-3 only (a flag there): AllAtOnce still succeeds; rb-3 is outdated.
    const v2 = await revision('redeploy', 'v2');
    const flag = path.join(sys.agents.get('rb-3')!.installRoot, 'broken-redeploy');
    await writeFile(flag, 'x');
    await sys.rest.finished(await sys.rest.deploy(APP, 'redeploy', v2), 'Succeeded');
    await rm(flag);
    let view = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/redeploy/instances`);
    expect(view.targetRevision.digest).toBe(v2);
    expect(view.instances.map((i: any) => [i.instanceName, i.revision.digest, i.deploymentStatus, i.revisionHealth, i.outdated])).toEqual([
      ['rb-1', v2, 'Succeeded', 'Current', false],
      ['rb-2', v2, 'Succeeded', 'Current', false],
      ['rb-3', v2, 'Failed', 'Old', true],
    ]);

    // Finish the job: only rb-3 is deployed to.
    const fix = await sys.rest.deploy(APP, 'redeploy', v2, { updateOutdatedInstancesOnly: true });
    const d = await sys.rest.finished(fix, 'Succeeded');
    expect(d.updateOutdatedInstancesOnly).toBe(true);
    expect((await sys.rest.targets(fix)).map((t) => t.targetId)).toEqual(['rb-3']);
    view = await sys.rest.ok('GET', `/v1/applications/${APP}/deployment-groups/redeploy/instances`);
    expect(view.instances.every((i: any) => i.revision.digest === v2 && !i.outdated)).toBe(true);

    // Redeploy an earlier revision by hand: every host goes back to v1.
    await sys.rest.finished(await sys.rest.deploy(APP, 'redeploy', v1), 'Succeeded');
    for (const host of HOSTS) expect(await versionOn(host, 'redeploy')).toBe('v1');
    const host = await sys.rest.ok('GET', '/v1/instances/rb-3');
    expect(host.deployedRevisions.find((r: any) => r.deploymentGroupName === 'redeploy')).toMatchObject({ digest: v1, status: 'Succeeded' });

    // Nothing outdated: nothing to deploy, and it says so.
    const again = await sys.rest.finished(await sys.rest.deploy(APP, 'redeploy', v1, { updateOutdatedInstancesOnly: true }), 'Failed');
    expect(again.errorInformation.code).toBe('NO_INSTANCES');
    expect(again.errorInformation.message).toContain('already run revision');

    // Revisions: first/last use, sorting, the deployed filter.
    const unused = await revision('redeploy', 'never-deployed');
    const byLastUse = (await sys.rest.ok('GET', `/v1/applications/${APP}/revisions?sortBy=lastUsedTime&sortOrder=descending`)).revisions;
    expect(byLastUse[0].revision.digest).toBe(v1);
    const r1 = byLastUse.find((r: any) => r.revision.digest === v1);
    expect(Date.parse(r1.firstUsedTime)).toBeLessThan(Date.parse(r1.lastUsedTime));
    const neverUsed = (await sys.rest.ok('GET', `/v1/applications/${APP}/revisions?deployed=exclude`)).revisions;
    expect(neverUsed.map((r: any) => r.revision.digest)).toContain(unused);
    expect(neverUsed.map((r: any) => r.revision.digest)).not.toContain(v1);
    expect((await sys.rest.request('GET', `/v1/applications/${APP}/revisions?sortBy=size`)).status).toBe(400);
  });
});
