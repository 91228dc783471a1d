/**
 * Helpers for the blue/green tests: a sample-app bundle whose `/` fails with 503 for a share of
 * requests (for the error-rate alarm), the group body with two pools, and ways to watch a
 * deployment's blue/green record and the load balancer's weights while a shift runs.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, until } from './processes.js';
import { packDir } from './bundles.js';
import type { RestClient } from './rest-client.js';
import type { TrafficRouter } from '../../shared/traffic/traffic-router.js';

/** The sample app at `version`; with `failEvery: n`, every n-th answer to `/` is a 503. */
export async function blueGreenApp(version: string, options: { failEvery?: number } = {}): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-bg-sample-'));
  await cp(path.join(REPO_ROOT, 'examples', 'sample-app'), dir, { recursive: true });
  await writeFile(path.join(dir, 'app', 'VERSION'), `${version}\n`);
  if (options.failEvery) {
    const server = path.join(dir, 'app', 'server.js');
    const source = await readFile(server, 'utf8');
    const anchor = "if (path === '/') return send(res, 200,";
    if (!source.includes(anchor)) throw new Error('the sample app changed: cannot make it fail');
    const failing = `if (path === '/' && ++answered % ${options.failEvery} === 0) return send(res, 503, { error: 'failing on purpose', version, host });\n  ${anchor}`;
    await writeFile(server, `let answered = 0;\n${source.replace(anchor, failing)}`);
  }
  return packDir(dir);
}

export const POOLS = [
  { poolName: 'a', tagFilters: [{ key: 'pool', value: 'a' }] },
  { poolName: 'b', tagFilters: [{ key: 'pool', value: 'b' }] },
];

export interface BlueGreenRecord {
  phase: string;
  originalPool: string;
  replacementPool: string;
  percent: number;
  weights?: { replacement: number; original: number };
  history: { step: number; percent: number; scheduledAt: string; appliedAt: string; timingErrorMs: number; reason: string }[];
  alarmEvaluations: { at: string; alarmName: string; state: string; reason: string }[];
}

export async function blueGreenOf(rest: RestClient, id: string): Promise<BlueGreenRecord | undefined> {
  return ((await rest.ok('GET', `/v1/deployments/${id}`)) as { blueGreen?: BlueGreenRecord }).blueGreen;
}

/** Wait until the deployment's record satisfies `test`; returns it. */
export async function waitForRecord(rest: RestClient, id: string, what: string, test: (r: BlueGreenRecord) => boolean, timeoutMs = 60_000): Promise<BlueGreenRecord> {
  return until(
    what,
    async () => {
      const record = await blueGreenOf(rest, id);
      return record && test(record) ? record : undefined;
    },
    timeoutMs,
  );
}

/** The share (percent) of the pool's weight held by `hosts`, as the load balancer shows it now. */
export async function shareOf(router: TrafficRouter, hosts: readonly string[]): Promise<number | undefined> {
  const inService = (await router.stats()).targets.filter((t) => t.admin === 'in-service');
  const total = inService.reduce((sum, t) => sum + t.weight, 0);
  if (total === 0) return undefined;
  return (100 * inService.filter((t) => hosts.includes(t.id)).reduce((sum, t) => sum + t.weight, 0)) / total;
}
