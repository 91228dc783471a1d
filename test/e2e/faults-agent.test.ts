/**
 * An agent killed in the middle of a hook: its event fails with AGENT_ISSUE within the heartbeat
 * timeout (6 s in tests), the deployment follows its minimum-healthy rules (OneAtATime: the first
 * failure with hosts still waiting fails it, the rest are Skipped), the group's configured
 * rollback follows, and the agent, restarted, serves that rollback (and stops the hook its dead
 * predecessor left running).
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { isAlive, until } from '../helpers/processes.js';

const APP = 'agentkill';
const HOSTS = ['ak-1', 'ak-2', 'ak-3'];
let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'agentkill' });
  await Promise.all(HOSTS.map((name) => sys.startAgent(name, { app: APP })));
  await sys.rest.createApplication(APP);
});

afterAll(async () => {
  await sys?.stop();
});

function eventOf(target: any, name: string): any {
  return target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === name);
}

async function version(host: string): Promise<string> {
  return (await readFile(path.join(sys.agents.get(host)!.installRoot, 'srv', 'agentkill', 'VERSION'), 'utf8').catch(() => '')).trim();
}

it('a killed agent fails its event with AGENT_ISSUE, the deployment fails and rolls back, and the restarted agent serves the rollback', async () => {
  onTestFailed(() => console.error(sys.logs()));
  await sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, {
    name: 'fleet',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    instanceTagFilters: [{ key: 'app', value: APP }],
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
  });
  const bundle = (version: string, afterInstall: string) =>
    makeBundle({
      files: { 'app/VERSION': `${version}\n` },
      install: [{ source: 'app/VERSION', destination: '/srv/agentkill' }],
      hooks: { AfterInstall: { script: afterInstall, timeout: 300 } },
    });
  const v1 = await sys.rest.upload(APP, await bundle('v1', 'echo "v1 on $HOST_LABEL"'));
  const good = await sys.rest.deploy(APP, 'fleet', v1);
  await sys.rest.finished(good, 'Succeeded');

  // v2's AfterInstall hangs on ak-1, the first host OneAtATime releases.
  const v2 = await sys.rest.upload(APP, await bundle('v2', 'if [ "$HOST_LABEL" = ak-1 ]; then echo $$ > "$CUTOVER_INSTALL_ROOT/hook-pid"; sleep 120; fi'));
  const id = await sys.rest.deploy(APP, 'fleet', v2);
  const pidFile = path.join(sys.agents.get('ak-1')!.installRoot, 'hook-pid');
  const hookPid = Number(await until('the hook to run on ak-1', async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() || undefined));
  // The agent journals the running hook's process group moments after spawning it; a kill before
  // that would leave the orphan unknown to its successor (not what this test is about).
  const journal = path.join(sys.agents.get('ak-1')!.root, 'journal', `${id}.ak-1.ApplicationStop.json`);
  await until('the agent to journal the running hook', async () => ((await readFile(journal, 'utf8').catch(() => '')).includes('runningHook') ? true : undefined));

  const killedAt = Date.now();
  await sys.agents.get('ak-1')!.proc.kill();
  const failed = await sys.rest.finished(id, 'Failed', 30_000);
  expect(Date.now() - killedAt).toBeLessThan(6_000 + 6_000); // heartbeat timeout, plus sweep and scheduling slack
  expect(failed.errorInformation.code).toBe('AGENT_ISSUE');
  // Restart the agent now: the rollback's first host is ak-1, and a command gets the whole
  // heartbeat timeout to be picked up.
  const restarted = sys.startAgent('ak-1', { app: APP });

  const targets = Object.fromEntries((await sys.rest.targets(id)).map((t) => [t.targetId, t]));
  expect(eventOf(targets['ak-1'], 'AfterInstall')).toMatchObject({ status: 'Failed' });
  expect(eventOf(targets['ak-1'], 'AfterInstall').diagnostics.message).toContain('AGENT_ISSUE');
  expect(targets['ak-2'].status).toBe('Skipped');
  expect(targets['ak-3'].status).toBe('Skipped');

  await restarted;
  const rollbackId = await until('the rollback to be linked', async () => (await sys.rest.deployment(id)).rollbackInfo?.rollbackDeploymentId as string | undefined, 20_000);
  const rollback = await sys.rest.finished(rollbackId, 'Succeeded', 90_000);
  expect(rollback).toMatchObject({ creator: 'codeDeployRollback', revision: { digest: v1 }, rollbackInfo: { rollbackTriggeringDeploymentId: id } });
  for (const host of HOSTS) expect(await version(host)).toBe('v1');
  const served = (await sys.rest.targets(rollbackId)).find((t) => t.targetId === 'ak-1');
  expect(served.status).toBe('Succeeded');
  // The hook the killed agent left behind was stopped by its successor.
  await until('the orphaned hook to be gone', async () => (isAlive(hookPid) ? undefined : true), 15_000);
});
