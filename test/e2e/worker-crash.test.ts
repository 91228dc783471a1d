/**
 * Crash safety: the worker process is killed with SIGKILL in the middle of a deployment and a
 * new one finishes it, with every lifecycle event run and recorded exactly once.
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { until } from '../helpers/processes.js';

let sys: TestSystem;
const HOOKS = ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'crash', split: true });
  await sys.startAgents(3, { app: 'crash' });
  await sys.rest.createApplication('crash');
  await sys.rest.createGroup('crash', 'fleet', 'CodeDeployDefault.OneAtATime', { app: 'crash' });
});

afterAll(async () => {
  await sys?.stop();
});

it('a worker killed mid-deployment is replaced and the deployment ends right, every event once', async () => {
  onTestFailed(() => console.error(sys.logs()));
  const hooks = Object.fromEntries(
    HOOKS.map((event) => [event, { script: `echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> "$CUTOVER_INSTALL_ROOT/ran.log"\nsleep 0.5` }]),
  );
  const id = await sys.rest.deploy('crash', 'fleet', await sys.rest.upload('crash', await makeBundle({ hooks })));

  // Kill the workers while the first host is done and the second is in flight.
  await until('the first host to finish', async () => ((await sys.rest.deployment(id)).deploymentOverview.Succeeded >= 1 ? true : undefined), 60_000, 50);
  await sys.workers!.kill();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await sys.startWorkers();

  const d = await sys.rest.finished(id, 'Succeeded', 120_000);
  expect(d.deploymentOverview).toMatchObject({ Succeeded: 3, Failed: 0, Skipped: 0 });
  for (const target of await sys.rest.targets(id)) {
    const names = target.lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName);
    expect(new Set(names).size).toBe(names.length);
    for (const event of target.lifecycleEvents) {
      expect(['Succeeded', 'Skipped']).toContain(event.status);
      expect(event.endTime).toBeTruthy();
    }
    // Each hook ran exactly once on the host.
    const ran = (await readFile(path.join(sys.agents.get(target.targetId)!.installRoot, 'ran.log'), 'utf8')).trim().split('\n');
    expect(ran.sort()).toEqual(HOOKS.map((event) => `${event} ${id}`).sort());
    const log = await sys.rest.log(id, target.targetId);
    for (const event of HOOKS) expect(log.split(`LifecycleEvent - ${event}\n`).length - 1).toBe(1);
  }
});
