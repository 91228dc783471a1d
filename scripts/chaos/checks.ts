/**
 * The checks every finished chaos deployment must pass, in place or blue/green (see world.ts):
 * the overview equals the targets' statuses; each hook ran once iff its event Succeeded or Failed;
 * the event stream holds one terminal record per (host, event), one final status per host and one
 * final deployment status, which comes after every host's; nothing is left behind (no open
 * command, not active, no rollback pending, slot released).
 *
 * Blue/green needs no exception here: its instances end Succeeded, Failed (waiting at a gate when
 * the deployment stopped: the events it never reached are Skipped and no hook ran for them) or
 * Skipped (Pending original instances of a stopped deployment), and the traffic hooks log like the
 * others. Only the overview has one more counter (Ready), which must be 0 at the end.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { TestSystem } from '../../test/helpers/system.js';
import { HOOK_EVENTS } from '../../shared/domain/lifecycle.js';

export const TERMINAL = ['Succeeded', 'Failed', 'Stopped'];

/** The events whose scripts append "<event> <deployment> <host>" to ran.log: every hook event (the chaos bundles log them all). */
export const LOGGED_HOOKS = HOOK_EVENTS;

const ENDED = ['Succeeded', 'Failed', 'Skipped'];

export interface Expected {
  status: string;
  errorCode?: string;
  overview: Record<string, number>;
}

export function expectDeployment(d: any, expected: Expected): string[] {
  const problems: string[] = [];
  if (d.status !== expected.status) problems.push(`status ${d.status}, expected ${expected.status} (${JSON.stringify(d.errorInformation ?? {})})`);
  if (expected.errorCode && d.errorInformation?.code !== expected.errorCode) problems.push(`error ${d.errorInformation?.code}, expected ${expected.errorCode}`);
  for (const [key, value] of Object.entries(expected.overview)) {
    if (d.deploymentOverview?.[key] !== value) problems.push(`overview ${key}=${d.deploymentOverview?.[key]}, expected ${value}`);
  }
  return problems;
}

/** The checks every finished deployment must pass (see the module comment); its hooks must log to ran.log. */
export async function checkDeployment(sys: TestSystem, redis: Redis, app: string, id: string, group: string): Promise<string[]> {
  const problems: string[] = [];
  const d = await sys.rest.deployment(id);
  const targets = await sys.rest.targets(id);

  const counts: Record<string, number> = {};
  for (const t of targets) counts[t.status] = (counts[t.status] ?? 0) + 1;
  for (const key of ['Pending', 'InProgress', 'Ready', 'Succeeded', 'Failed', 'Skipped']) {
    if ((d.deploymentOverview[key] ?? 0) !== (counts[key] ?? 0)) problems.push(`overview ${key}=${d.deploymentOverview[key]} but ${counts[key] ?? 0} targets are ${key}`);
  }

  const stream = await redis.xrange(`{${sys.prefix}}:dep:${id}:events`, '-', '+');
  const events = stream.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]));
  const finalStatuses = events.filter((e) => e.type === 'DeploymentStatus' && TERMINAL.includes(e.status));
  if (finalStatuses.length !== 1) problems.push(`${finalStatuses.length} final deployment status events`);

  for (const t of targets) {
    const host = t.targetId as string;
    const ran = (await readFile(path.join(sys.agents.get(host)!.installRoot, 'ran.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line.endsWith(` ${id} ${host}`));
    if (!ENDED.includes(t.status)) problems.push(`${host} ended ${t.status}`);
    const hostFinal = events.filter((e) => e.type === 'InstanceStatus' && e.instanceId === host && ENDED.includes(e.status));
    if (hostFinal.length !== 1) problems.push(`${host}: ${hostFinal.length} final instance status events`);
    // A deployment is over when its instances are: none may end after the final status was given.
    if (finalStatuses.length > 0 && hostFinal.some((e) => events.indexOf(e) > events.indexOf(finalStatuses[0]))) problems.push(`${host} ended after the deployment did`);
    for (const event of t.lifecycleEvents as { lifecycleEventName: string; status: string; diagnostics?: { message: string } }[]) {
      const name = event.lifecycleEventName;
      if (!ENDED.includes(event.status)) problems.push(`${host} ${name} ended ${event.status}`);
      const recorded = events.filter((e) => e.type === 'LifecycleEvent' && e.instanceId === host && e.lifecycleEventName === name && ENDED.includes(e.status));
      if (recorded.length !== 1) problems.push(`${host} ${name}: ${recorded.length} final records in the event stream`);
      if (!(LOGGED_HOOKS as readonly string[]).includes(name)) continue;
      const times = ran.filter((line) => line.startsWith(`${name} `)).length;
      // A hook stopped by StopDeployment may have been killed before it got to write its line.
      const stoppedEarly = event.status === 'Failed' && (event.diagnostics?.message ?? '').includes('the deployment was stopped') && times === 0;
      const expected = event.status === 'Succeeded' || (event.status === 'Failed' && !stoppedEarly) ? 1 : 0;
      if (times !== expected) problems.push(`${host} ${name} (${event.status}) ran ${times} times, expected ${expected}`);
    }
  }

  const k = `{${sys.prefix}}`;
  const open = (await redis.zrange(`${k}:cmds:open`, 0, -1)).filter((c) => c.startsWith(`${id}.`));
  if (open.length > 0) problems.push(`open commands left: ${open.join(', ')}`);
  if (await redis.sismember(`${k}:deps:active`, id)) problems.push('still in the active set');
  if (await redis.sismember(`${k}:deps:rollback-pending`, id)) problems.push('rollback still pending');
  const groupId = (await sys.rest.ok('GET', `/v1/applications/${app}/deployment-groups/${group}`)).deploymentGroupId;
  // The slot may already belong to this deployment's rollback; never to the deployment itself.
  if ((await redis.get(`${k}:group-lock:${groupId}`)) === id) problems.push('still holds its group slot');
  return problems;
}
