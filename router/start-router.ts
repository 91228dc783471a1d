/**
 * The built-in router's composition root: pools (one listener each), their health checker, the
 * admin API, and the optional state file. `startRouter` is what `npm run router` runs, and what
 * tests call to run one in-process.
 */
import type { Logger } from '../shared/logger.js';
import { formatTargetAddress } from '../shared/domain/load-balancer.js';
import { Pool } from './pool.js';
import { HealthChecker } from './health-checker.js';
import { startProxy, Upstreams, type ProxyListener } from './proxy-server.js';
import { startAdmin } from './admin-server.js';
import { StateFile } from './state-file.js';

export interface RouterConfig {
  /** Pool name → listen address (host:port; port 0 picks a free one). */
  pools: ReadonlyArray<{ name: string; listen: string }>;
  admin: string;
  adminToken: string;
  stateFile?: string;
  upstreamTimeoutMs: number;
  /** How long in-flight requests may finish on shutdown. */
  shutdownGraceMs: number;
}

export interface RouterHandle {
  pools: ReadonlyMap<string, Pool>;
  /** Pool name → the port it listens on. */
  ports: ReadonlyMap<string, number>;
  adminPort: number;
  adminUrl: string;
  close(): Promise<void>;
}

export async function startRouter(config: RouterConfig, log: Logger): Promise<RouterHandle> {
  const pools = new Map<string, Pool>();
  const health = new HealthChecker(log);
  const listeners: ProxyListener[] = [];
  const upstreams = new Upstreams(config.upstreamTimeoutMs);
  const ports = new Map<string, number>();
  const stateFile = config.stateFile ? new StateFile(config.stateFile, pools, log) : undefined;

  try {
    for (const { name, listen } of config.pools) {
      const address = hostPort(listen);
      const pool = new Pool(name, listen, (target) => upstreams.retire(target));
      pools.set(name, pool);
      const listener = await startProxy(pool, upstreams, address.host, address.port, log);
      listeners.push(listener);
      ports.set(name, listener.port);
      log.info({ pool: name, listen: `${address.host}:${listener.port}` }, 'pool listening');
    }
    if (stateFile) {
      const restored = await stateFile.load();
      for (const pool of pools.values()) for (const target of pool.targets.values()) health.watch(pool, target);
      if (restored > 0) log.info({ file: config.stateFile, targets: restored }, 'registrations restored; each takes traffic once healthy');
    }
    const adminAddress = hostPort(config.admin);
    const adminServer = await startAdmin({ pools, health, token: config.adminToken, log, changed: () => stateFile?.save() }, adminAddress.host, adminAddress.port);
    const adminUrl = `http://${formatTargetAddress({ host: adminAddress.host, port: adminServer.port })}`;
    log.info({ admin: adminUrl }, 'admin API listening');
    return {
      pools,
      ports,
      adminPort: adminServer.port,
      adminUrl,
      async close() {
        health.stop();
        await adminServer.close();
        await Promise.all(listeners.map((l) => l.close(config.shutdownGraceMs)));
        await upstreams.closeAll();
        await stateFile?.flush();
      },
    };
  } catch (err) {
    health.stop();
    await Promise.all(listeners.map((l) => l.close(0)));
    await upstreams.closeAll();
    throw err;
  }
}

function hostPort(text: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) throw new Error(`"${text}" is not host:port`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}
