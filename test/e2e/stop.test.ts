/**
 * StopDeployment end to end: waiting hosts are Skipped, the running hook's whole process group is
 * killed (SIGKILL after the grace when it ignores SIGTERM; nothing survives), the deployment ends
 * Stopped with MANUAL_STOP; the answer is Pending while an event runs and Succeeded after; a
 * finished deployment cannot be stopped; a Queued one can; autoRollbackEnabled rolls back.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { isAlive, until } from '../helpers/processes.js';

const APP = 'stopper';
const HOSTS = ['st-1', 'st-2', 'st-3'];
let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'stop' });
  await Promise.all(HOSTS.map((name) => sys.startAgent(name, { app: APP })));
  await sys.rest.createApplication(APP);
});

afterAll(async () => {
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => console.error(sys.logs()));
}

const stop = (id: string, body: Record<string, unknown> = {}) => sys.rest.request('POST', `/v1/deployments/${id}/stop`, body);

function eventOf(target: any, name: string): any {
  return target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === name);
}

async function running(id: string, host: string, event: string): Promise<void> {
  await until(`${event} to run on ${host}`, async () => {
    const target = (await sys.rest.targets(id)).find((t) => t.targetId === host);
    return target && eventOf(target, event)?.status === 'InProgress' ? true : undefined;
  });
}

describe('stop', () => {
  it('kills a hook that ignores SIGTERM after the grace, skips waiting hosts, ends Stopped (MANUAL_STOP)', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'stubborn', 'CodeDeployDefault.OneAtATime', { app: APP });
    const bundle = await makeBundle({
      hooks: {
        // The script and its background child both ignore SIGTERM; only the group SIGKILL ends them.
        ApplicationStart: { timeout: 300, script: `trap '' TERM\nsleep 300 &\necho "$$ $!" > "$CUTOVER_INSTALL_ROOT/stubborn-pids"\nwait` },
      },
    });
    const id = await sys.rest.deploy(APP, 'stubborn', await sys.rest.upload(APP, bundle));
    await running(id, 'st-1', 'ApplicationStart');
    const pidsFile = path.join(sys.agents.get('st-1')!.installRoot, 'stubborn-pids');
    const pids = (await until('the hook to record its pids', async () => (await readFile(pidsFile, 'utf8').catch(() => '')).trim() || undefined))
      .split(/\s+/)
      .map(Number);
    expect(pids).toHaveLength(2);

    const first = await stop(id);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('Pending');
    expect(first.body.statusMessage).toMatch(/stopping/);
    // The hosts that had not started are Skipped at once, and never run anything.
    const skipped = (await sys.rest.targets(id)).filter((t) => t.targetId !== 'st-1');
    expect(skipped.map((t) => t.status)).toEqual(['Skipped', 'Skipped']);
    // Asking again while the hook is being killed is still Pending.
    expect((await stop(id)).body.status).toBe('Pending');

    const d = await sys.rest.finished(id, 'Stopped', 30_000);
    expect(d.errorInformation.code).toBe('MANUAL_STOP');
    expect(d.deploymentOverview).toMatchObject({ Pending: 0, InProgress: 0, Failed: 1, Skipped: 2, Succeeded: 0 });
    const [target] = (await sys.rest.targets(id)).filter((t) => t.targetId === 'st-1');
    expect(target.status).toBe('Failed');
    expect(eventOf(target, 'ApplicationStart')).toMatchObject({ status: 'Failed', diagnostics: { errorCode: 'ScriptFailed' } });
    expect(eventOf(target, 'ApplicationStart').diagnostics.message).toContain('the deployment was stopped');
    expect(eventOf(target, 'ValidateService').status).toBe('Skipped');
    await until('every process of the hook to be gone', async () => (pids.every((pid) => !isAlive(pid)) ? true : undefined), 10_000);

    // Later: Succeeded (no event runs any more), not an error.
    expect(await stop(id).then((a) => [a.status, a.body.status])).toEqual([200, 'Succeeded']);
  });

  it('refuses to stop a finished deployment, and stops a Queued one without touching the running one', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'queue', 'CodeDeployDefault.AllAtOnce', { app: APP });
    const slow = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'sleep 3' } } }));
    const first = await sys.rest.deploy(APP, 'queue', slow);
    await sys.rest.waitFor(first, ['InProgress']);
    const second = await sys.rest.deploy(APP, 'queue', slow);
    await sys.rest.waitFor(second, ['Queued']);

    const answer = await stop(second);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('Succeeded');
    const stopped = await sys.rest.deployment(second);
    expect(stopped).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(await sys.rest.targets(second)).toEqual([]);

    await sys.rest.finished(first, 'Succeeded');
    const refused = await stop(first);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('DeploymentAlreadyCompletedException');
    expect((await stop('d-NOSUCH123')).status).toBe(404);
    expect((await stop(first, { autoRollbackEnabled: 'yes' })).status).toBe(400);

    // The group's slot is free again.
    await sys.rest.finished(await sys.rest.deploy(APP, 'queue', slow), 'Succeeded');
  });

  it('autoRollbackEnabled on the stop rolls back to the last good revision', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'stop-rollback', 'CodeDeployDefault.AllAtOnce', { app: APP });
    const good = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'echo good' } } }));
    const goodId = await sys.rest.deploy(APP, 'stop-rollback', good);
    await sys.rest.finished(goodId, 'Succeeded');
    const hanging = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'sleep 120', timeout: 300 } } }));
    const id = await sys.rest.deploy(APP, 'stop-rollback', hanging);
    await running(id, 'st-1', 'AfterInstall');
    const answer = await stop(id, { autoRollbackEnabled: true });
    expect(answer.body, JSON.stringify(answer)).toMatchObject({ status: 'Pending' });
    await sys.rest.finished(id, 'Stopped', 30_000);
    const rollbackId = await until('the rollback to be linked', async () => (await sys.rest.deployment(id)).rollbackInfo?.rollbackDeploymentId as string | undefined, 20_000);
    const rollback = await sys.rest.finished(rollbackId, 'Succeeded');
    expect(rollback).toMatchObject({ creator: 'codeDeployRollback', revision: { digest: good }, rollbackInfo: { rollbackTriggeringDeploymentId: id } });
  });
});
