/**
 * Agents that die: a silent agent's events fail with AGENT_ISSUE within the heartbeat timeout
 * (6 s in tests), and an agent restarted mid-hook fails the event it was running with a clear
 * message instead of leaving it to hang; afterwards it serves deployments again.
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { TestSystem } from '../helpers/system.js';
import { makeBundle } from '../helpers/bundles.js';
import { isAlive, until } from '../helpers/processes.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

let sys: TestSystem;

beforeAll(async () => {
  sys = await TestSystem.start({ label: 'agentfaults' });
  await sys.rest.createApplication('svc');
});

afterAll(async () => {
  await sys?.stop();
});

async function runningEvent(id: string, instance: string, event: string): Promise<void> {
  await until(`${event} to run on ${instance}`, async () => {
    const target = (await sys.rest.targets(id)).find((t: { targetId: string }) => t.targetId === instance);
    return target?.lifecycleEvents.some((e: { lifecycleEventName: string; status: string }) => e.lifecycleEventName === event && e.status === 'InProgress') ? true : undefined;
  });
}

function eventOf(target: any, name: string): any {
  return target.lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === name);
}

it('a dead agent is detected and its events fail with AGENT_ISSUE; back, it serves again', async () => {
  onTestFailed(() => console.error(sys.logs()));
  const agent = await sys.startAgent('silent-1', { role: 'silent' });
  await sys.rest.createGroup('svc', 'silent', 'CodeDeployDefault.AllAtOnce', { role: 'silent' });
  const slow = await sys.rest.upload('svc', await makeBundle({ hooks: { AfterInstall: { script: 'sleep 60', timeout: 120 } } }));
  const id = await sys.rest.deploy('svc', 'silent', slow);
  await runningEvent(id, 'silent-1', 'AfterInstall');

  const killedAt = Date.now();
  await agent.proc.kill();
  const d = await sys.rest.finished(id, 'Failed', 30_000);
  const detectedAfter = Date.now() - killedAt;
  expect(detectedAfter).toBeLessThan(6_000 + 5_000); // heartbeat timeout + sweep and scheduling slack
  expect(d.errorInformation.code).toBe('AGENT_ISSUE');
  const [target] = await sys.rest.targets(id);
  expect(eventOf(target, 'AfterInstall').status).toBe('Failed');
  expect(eventOf(target, 'AfterInstall').diagnostics.message).toContain('AGENT_ISSUE');
  expect(eventOf(target, 'ApplicationStart').status).toBe('Skipped');

  await sys.startAgent('silent-1', { role: 'silent' });
  const quick = await sys.rest.upload('svc', await makeBundle({ hooks: { AfterInstall: { script: 'echo back' } } }));
  await sys.rest.finished(await sys.rest.deploy('svc', 'silent', quick), 'Succeeded');
});

it('an agent restarted in the middle of a hook fails that event with a clear message', async () => {
  onTestFailed(() => console.error(sys.logs()));
  const agent = await sys.startAgent('restart-1', { role: 'restart' });
  await sys.rest.createGroup('svc', 'restart', 'CodeDeployDefault.AllAtOnce', { role: 'restart' });
  const slow = await sys.rest.upload('svc', await makeBundle({ hooks: { ApplicationStart: { script: 'echo $$ > "$CUTOVER_INSTALL_ROOT/hook-pid"\nsleep 60', timeout: 120 } } }));
  const id = await sys.rest.deploy('svc', 'restart', slow);
  await runningEvent(id, 'restart-1', 'ApplicationStart');
  const hookPid = Number(await until('the hook to record its pid', async () => (await readFile(path.join(agent.installRoot, 'hook-pid'), 'utf8').catch(() => '')).trim() || undefined));
  // The agent journals the hook's process group just after spawning it; under load that can lag the
  // hook's own first line, and a kill in between leaves the hook unknown to the next agent.
  const journal = path.join(agent.root, 'journal', `${id}.restart-1.ApplicationStop.json`);
  await until('the agent to journal the running hook', async () => ((await readFile(journal, 'utf8').catch(() => '')).includes('runningHook') ? true : undefined));

  await agent.proc.kill();
  await sys.startAgent('restart-1', { role: 'restart' });
  const d = await sys.rest.finished(id, 'Failed', 30_000);
  expect(d.errorInformation.code).toBe('HEALTH_CONSTRAINTS');
  const [target] = await sys.rest.targets(id);
  const start = eventOf(target, 'ApplicationStart');
  expect(start.status).toBe('Failed');
  expect(start.diagnostics.message).toBe('Failing in-progress lifecycle event after an agent restart.');
  expect(eventOf(target, 'ValidateService').status).toBe('Skipped');
  // The hook the dead agent left running was stopped by the new one: no orphan.
  await until('the orphaned hook to be stopped', async () => (isAlive(hookPid) ? undefined : true), 10_000);
});
