/**
 * `npm run agent -- --api URL --enroll-token T --name NAME --tags k=v,k2=v2 --root DIR
 *                   [--install-root DIR] [--hook-env K=V]...
 *                   [--allowed-runas U1,U2] [--allowed-destinations /DIR1,/DIR2] [--host-config FILE]`
 * One agent per host in production. --install-root and --hook-env exist so several simulated
 * hosts can share one machine (tests, the demo): each gets its own files and its own port.
 * The --allowed-* flags (or the host config file) restrict what a revision may ask of this host
 * (agent/installer/host-allowance.ts); bundle size bounds come from CUTOVER_BUNDLE_MAX_*.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadBundleLimits } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { InstanceNameSchema, TagsSchema } from '../shared/protocol.js';
import { onShutdown } from '../shared/shutdown.js';
import { Agent } from './agent.js';
import { idleCollector } from './idle-collection.js';
import { HostConfigError, loadHostAllowance } from './installer/index.js';

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run agent -- --api URL --enroll-token TOKEN [--name NAME] [--tags k=v,k2=v2] [--root DIR] [--install-root DIR] [--hook-env K=V]... [--allowed-runas U1,U2] [--allowed-destinations /DIR1,/DIR2] [--host-config FILE]`);
  process.exit(2);
}

function parsePairs(items: readonly string[], what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) usage(`${what}: "${item}" is not KEY=VALUE`);
    result[item.slice(0, at)] = item.slice(at + 1);
  }
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      api: { type: 'string' },
      'enroll-token': { type: 'string' },
      name: { type: 'string' },
      tags: { type: 'string' },
      root: { type: 'string' },
      'install-root': { type: 'string' },
      'hook-env': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'allowed-runas': { type: 'string' },
      'allowed-destinations': { type: 'string' },
      'host-config': { type: 'string' },
    },
    strict: true,
  });
  if (!values.api) usage('--api is required');
  const enrollToken = values['enroll-token'] ?? process.env.CUTOVER_ENROLL_TOKEN;
  if (!enrollToken) usage('--enroll-token (or CUTOVER_ENROLL_TOKEN) is required');
  const name = InstanceNameSchema.safeParse(values.name ?? os.hostname());
  if (!name.success) usage(`--name: ${name.error.issues[0]?.message}`);
  const tags = TagsSchema.safeParse(parsePairs(values.tags ? values.tags.split(',').filter(Boolean) : [], '--tags'));
  if (!tags.success) usage(`--tags: ${tags.error.issues[0]?.message}`);

  let allowance;
  let bundleLimits;
  try {
    allowance = await loadHostAllowance({
      allowedRunas: values['allowed-runas'],
      allowedDestinations: values['allowed-destinations'],
      file: values['host-config'],
    });
    bundleLimits = loadBundleLimits();
  } catch (err) {
    if (err instanceof HostConfigError || err instanceof ConfigError) usage(err.message);
    throw err;
  }

  const log = createLogger(values['log-level'] ?? process.env.LOG_LEVEL ?? 'info', `agent:${name.data}`);
  const agent = new Agent({
    apiUrl: values.api,
    enrollToken,
    name: name.data,
    tags: tags.data,
    root: path.resolve(values.root ?? '/var/lib/cutover-agent'),
    installRoot: values['install-root'] ? path.resolve(values['install-root']) : undefined,
    hookEnv: parsePairs(values['hook-env'] ?? [], '--hook-env'),
    allowance,
    bundleLimits,
    log,
    onIdle: idleCollector(),
  });
  onShutdown(log, () => agent.stop(8000));
  await agent.start();
  log.info({ api: values.api, allowance: allowance ?? 'any runas user, any destination', bundleLimits }, 'agent started');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
