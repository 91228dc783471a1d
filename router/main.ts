/**
 * `npm run router -- --pool web=127.0.0.1:8080 [--pool NAME=HOST:PORT]... --admin 127.0.0.1:9901
 *                    [--state-file PATH] [--upstream-timeout-ms N] [--admin-token-file PATH]`
 *
 * Cutover's built-in load balancer: one listener per pool, targets registered through the admin
 * API (by the Cutover workers, with loadBalancerInfo.driver "builtin"). The admin token comes from
 * CUTOVER_ROUTER_TOKEN or --admin-token-file (not a flag: argv is visible to every local user).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadRouterEnv } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { onShutdown } from '../shared/shutdown.js';
import { PoolNameSchema } from '../shared/traffic/builtin/admin-protocol.js';
import { startRouter } from './start-router.js';

const USAGE =
  'usage: npm run router -- --pool NAME=HOST:PORT [--pool ...] --admin HOST:PORT [--state-file PATH] [--upstream-timeout-ms N] [--admin-token-file PATH]\n' +
  '       the admin token comes from CUTOVER_ROUTER_TOKEN (16+ characters) or --admin-token-file';

function usage(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pool: { type: 'string', multiple: true },
      admin: { type: 'string' },
      'state-file': { type: 'string' },
      'upstream-timeout-ms': { type: 'string' },
      'admin-token-file': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = loadRouterEnv();
  const pools = (values.pool ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) usage(`--pool "${item}" is not NAME=HOST:PORT`);
    const name = item.slice(0, at);
    if (!PoolNameSchema.safeParse(name).success) usage(`--pool: "${name}" is not a valid pool name (letters, digits, . _ -)`);
    return { name, listen: item.slice(at + 1) };
  });
  if (pools.length === 0) usage('at least one --pool is required');
  if (new Set(pools.map((p) => p.name)).size !== pools.length) usage('each --pool needs its own name');
  if (!values.admin) usage('--admin is required');
  const token = values['admin-token-file'] ? readFileSync(values['admin-token-file'], 'utf8').trim() : env.adminToken;
  if (!token || token.length < 16) usage('the admin token is missing or shorter than 16 characters (CUTOVER_ROUTER_TOKEN or --admin-token-file)');
  const upstreamTimeoutMs = Number(values['upstream-timeout-ms'] ?? 60_000);
  if (!Number.isInteger(upstreamTimeoutMs) || upstreamTimeoutMs < 100) usage('--upstream-timeout-ms must be an integer of at least 100');

  const log = createLogger(env.logLevel, 'router');
  const router = await startRouter(
    { pools, admin: values.admin, adminToken: token, stateFile: values['state-file'], upstreamTimeoutMs, shutdownGraceMs: 10_000 },
    log,
  );
  onShutdown(log, () => router.close());
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
