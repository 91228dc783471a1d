/**
 * In-place deployments end to end: a real api + workers process, three real agent processes,
 * real hooks. Each test uses its own deployment group over the same three hosts.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundle, sampleAppBundle } from '../helpers/bundles.js';
import { isAlive, until } from '../helpers/processes.js';

const APP = 'web';
let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'inplace' });
  await sys.startAgents(3, { app: 'web' });
  await sys.rest.createApplication(APP);
});

afterAll(async () => {
  await sys?.stop();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

async function versionOn(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return String(((await res.json()) as { version: unknown }).version);
}

describe('in-place deployments', () => {
  it('deploys a revision to every host, and the next one replaces it', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'fleet', 'CodeDeployDefault.HalfAtATime', { app: 'web' });

    const v1 = await sys.rest.deploy(APP, 'fleet', await sys.rest.upload(APP, await sampleAppBundle('1')));
    const first = await sys.rest.finished(v1, 'Succeeded');
    expect(first.deploymentOverview).toMatchObject({ Succeeded: 3, Failed: 0, Pending: 0, InProgress: 0 });
    for (const agent of sys.agents.values()) expect(await versionOn(agent.port)).toBe('1');

    const firstTargets = await sys.rest.targets(v1);
    expect(firstTargets).toHaveLength(3);
    for (const target of firstTargets) {
      const byName = Object.fromEntries(target.lifecycleEvents.map((e: { lifecycleEventName: string; status: string }) => [e.lifecycleEventName, e.status]));
      // No earlier revision on the host: ApplicationStop has nothing to run.
      expect(byName).toMatchObject({ ApplicationStop: 'Skipped', DownloadBundle: 'Succeeded', Install: 'Succeeded', ApplicationStart: 'Succeeded', ValidateService: 'Succeeded' });
    }

    const v2 = await sys.rest.deploy(APP, 'fleet', await sys.rest.upload(APP, await sampleAppBundle('2')));
    await sys.rest.finished(v2, 'Succeeded');
    for (const agent of sys.agents.values()) expect(await versionOn(agent.port)).toBe('2');
    for (const target of await sys.rest.targets(v2)) {
      const stop = target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === 'ApplicationStop');
      // Now the previous revision's stop script runs.
      expect(stop.status).toBe('Succeeded');
      expect(stop.diagnostics.errorCode).toBe('Success');
    }
    const log = await sys.rest.log(v2, 'host-1');
    expect(log).toContain('LifecycleEvent - ApplicationStart');
    expect(log).toContain('Script - scripts/');
  });

  it('OneAtATime with ValidateService failing on the first host fails with HEALTH_CONSTRAINTS and skips the rest', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'one-at-a-time', 'CodeDeployDefault.OneAtATime', { app: 'web' });
    const bundle = await makeBundle({
      hooks: {
        ValidateService: { script: 'echo "validating on $HOST_LABEL"\nif [ "$HOST_LABEL" = "host-1" ]; then echo "not healthy" >&2; exit 3; fi' },
      },
    });
    const id = await sys.rest.deploy(APP, 'one-at-a-time', await sys.rest.upload(APP, bundle));
    const d = await sys.rest.finished(id, 'Failed');
    expect(d.errorInformation.code).toBe('HEALTH_CONSTRAINTS');
    expect(d.deploymentOverview).toMatchObject({ Failed: 1, Skipped: 2, Succeeded: 0 });

    const targets = Object.fromEntries((await sys.rest.targets(id)).map((t: any) => [t.targetId, t]));
    expect(targets['host-1'].status).toBe('Failed');
    expect(targets['host-2'].status).toBe('Skipped');
    expect(targets['host-3'].status).toBe('Skipped');
    const validate = targets['host-1'].lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === 'ValidateService');
    expect(validate.status).toBe('Failed');
    expect(validate.diagnostics).toMatchObject({ errorCode: 'ScriptFailed', scriptName: 'hooks/ValidateService.sh' });
    expect(validate.diagnostics.message).toContain('exit code 3');
    expect(validate.diagnostics.logTail).toContain('not healthy');
    // Skipped hosts never ran anything.
    for (const name of ['host-2', 'host-3']) {
      expect(targets[name].lifecycleEvents.every((e: { status: string }) => e.status === 'Skipped')).toBe(true);
    }
  });

  it('a hook that outlives its timeout fails with ScriptTimedOut and no process of its group survives', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'timeouts', 'CodeDeployDefault.AllAtOnce', { app: 'web' });
    const bundle = await makeBundle({
      hooks: {
        ApplicationStart: {
          timeout: 2,
          // A child in the background and the script itself: both must die.
          script: 'sleep 300 &\necho "$$ $!" > "$CUTOVER_INSTALL_ROOT/timeout-pids"\nsleep 300',
        },
      },
    });
    const id = await sys.rest.deploy(APP, 'timeouts', await sys.rest.upload(APP, bundle));
    const d = await sys.rest.finished(id, 'Failed');
    expect(d.deploymentOverview.Failed).toBe(3);
    for (const target of await sys.rest.targets(id)) {
      const start = target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === 'ApplicationStart');
      expect(start.status).toBe('Failed');
      expect(start.diagnostics.errorCode).toBe('ScriptTimedOut');
      const pids = (await readFile(path.join(sys.agents.get(target.targetId)!.installRoot, 'timeout-pids'), 'utf8')).trim().split(/\s+/).map(Number);
      expect(pids).toHaveLength(2);
      await until('the hook processes to be gone', async () => (pids.every((pid) => !isAlive(pid)) ? true : undefined), 10_000);
    }
  });

  it('a second deployment to the same group waits Queued, then runs', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'queueing', 'CodeDeployDefault.AllAtOnce', { app: 'web' });
    const slow = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'sleep 3' } } }));
    const quick = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'echo quick' } } }));
    const first = await sys.rest.deploy(APP, 'queueing', slow);
    await sys.rest.waitFor(first, ['InProgress']);
    const second = await sys.rest.deploy(APP, 'queueing', quick);
    expect((await sys.rest.waitFor(second, ['Queued'])).status).toBe('Queued');

    const a = await sys.rest.finished(first, 'Succeeded');
    const b = await sys.rest.finished(second, 'Succeeded');
    expect(Date.parse(b.startTime)).toBeGreaterThanOrEqual(Date.parse(a.completeTime));
  });

  it('groups that share hosts deploy at the same time, each in its own directory', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'shared-a', 'CodeDeployDefault.AllAtOnce', { app: 'web' });
    await sys.rest.createGroup(APP, 'shared-b', 'CodeDeployDefault.AllAtOnce', { app: 'web' });
    const bundle = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'sleep 2' } } }));
    const a = await sys.rest.deploy(APP, 'shared-a', bundle);
    const b = await sys.rest.deploy(APP, 'shared-b', bundle);
    // Both are in flight on the same hosts at once: neither waits for the other.
    await until('both deployments to run at once', async () => {
      const [da, db] = await Promise.all([sys.rest.deployment(a), sys.rest.deployment(b)]);
      return da.deploymentOverview.InProgress > 0 && db.deploymentOverview.InProgress > 0 ? true : undefined;
    }, 20_000, 100);
    await sys.rest.finished(a, 'Succeeded');
    await sys.rest.finished(b, 'Succeeded');
  });

  it('a broken ApplicationStop of the previous revision blocks deployments until ignoreApplicationStopFailures', async () => {
    printLogsOnFailure();
    await sys.rest.createGroup(APP, 'stop-fails', 'CodeDeployDefault.AllAtOnce', { app: 'web' });
    const broken = await sys.rest.upload(APP, await makeBundle({ hooks: { ApplicationStop: { script: 'echo "cannot stop" >&2; exit 1' } } }));
    const next = await sys.rest.upload(APP, await makeBundle({ hooks: { AfterInstall: { script: 'echo next' } } }));
    await sys.rest.finished(await sys.rest.deploy(APP, 'stop-fails', broken), 'Succeeded'); // its own stop script never ran

    const blocked = await sys.rest.deploy(APP, 'stop-fails', next);
    await sys.rest.finished(blocked, 'Failed');
    for (const target of await sys.rest.targets(blocked)) {
      expect(target.lifecycleEvents[0]).toMatchObject({ lifecycleEventName: 'ApplicationStop', status: 'Failed', diagnostics: { errorCode: 'ScriptFailed' } });
    }

    const forced = await sys.rest.deploy(APP, 'stop-fails', next, { ignoreApplicationStopFailures: true });
    await sys.rest.finished(forced, 'Succeeded');
    for (const target of await sys.rest.targets(forced)) {
      expect(target.lifecycleEvents[0].status).toBe('Succeeded');
      expect(target.lifecycleEvents[0].diagnostics.message).toContain('ignoreApplicationStopFailures');
    }
  });
});
