/**
 * The fleet simulator as a process of its own (so its CPU and memory are measured apart from
 * the control plane's). Started by the fleet bench with an IPC channel:
 *   → {type:'ready', started, failed, seconds} once every agent has registered and polls
 *   ← {type:'stop'}  stop the agents and exit
 *   ← {type:'requests'} → {type:'requests', requests: {poll, report, bundle, register}} counted so far
 * plus profile-start/profile-stop (see lib/profiler.ts). It exits by itself when the bench goes away.
 *
 *   node --import tsx scripts/bench/simulator-main.ts --api URL --enroll-token T --count N
 *        --name-prefix P [--first 1] --tag k=v --root DIR [--hooks noop|script]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createLogger } from '../../shared/logger.js';
import { FleetSimulator, type HookMode } from './fleet-simulator.js';
import { profileOnRequest } from './lib/profiler.js';

/** Requests the agents make, by kind: the bench asks for them around each case. */
const requests: Record<string, number> = {};

function countRequest(url: string): void {
  const kind = /\/agent\/v1\/(poll|register|bundles|commands)/.exec(url)?.[1] ?? 'other';
  const name = kind === 'commands' ? 'report' : kind === 'bundles' ? 'bundle' : kind;
  requests[name] = (requests[name] ?? 0) + 1;
}

/** Bundles come through fetch, polls and reports through node:http (agent/http-json.ts): count both. */
function countRequests(): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    countRequest(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return realFetch(input, init);
  };
  const realRequest = http.request;
  http.request = ((...args: Parameters<typeof http.request>) => {
    const [first] = args;
    countRequest(typeof first === 'string' ? first : first instanceof URL ? first.href : ((first as http.RequestOptions).path ?? ''));
    return realRequest(...(args as [string, http.RequestOptions, () => void]));
  }) as typeof http.request;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      api: { type: 'string' },
      'enroll-token': { type: 'string' },
      count: { type: 'string' },
      first: { type: 'string', default: '1' },
      'name-prefix': { type: 'string', default: 'host' },
      tag: { type: 'string', multiple: true, default: [] },
      root: { type: 'string' },
      hooks: { type: 'string', default: 'noop' },
      'start-concurrency': { type: 'string', default: '50' },
    },
    strict: true,
  });
  const count = Number(values.count);
  if (!values.api || !values['enroll-token'] || !values.root || !(count > 0)) throw new Error('--api, --enroll-token, --root and --count are required');
  if (values.hooks !== 'noop' && values.hooks !== 'script') throw new Error('--hooks is noop or script');
  const tags = Object.fromEntries(values.tag.map((t) => t.split('=', 2) as [string, string]));
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'fleet-simulator');
  profileOnRequest();
  countRequests();

  const fleet = new FleetSimulator({
    apiUrl: values.api,
    enrollToken: values['enroll-token'],
    count,
    namePrefix: values['name-prefix'],
    first: Number(values.first),
    tags,
    rootDir: values.root,
    hooks: values.hooks as HookMode,
    log,
    startConcurrency: Number(values['start-concurrency']),
  });
  const send = (msg: Record<string, unknown>) => process.send?.(msg);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(code || 1), 15_000);
    timer.unref();
    await fleet.stop(2000).catch(() => undefined);
    process.exit(code);
  };
  process.on('message', (msg: { type?: string }) => {
    if (msg.type === 'stop') void stop(0);
    if (msg.type === 'requests') send({ type: 'requests', requests: { ...requests } });
  });
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  const t0 = Date.now();
  await fleet.start((n) => send({ type: 'progress', started: n, seconds: (Date.now() - t0) / 1000 }));
  send({ type: 'ready', started: fleet.started, failed: fleet.failed, seconds: (Date.now() - t0) / 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
