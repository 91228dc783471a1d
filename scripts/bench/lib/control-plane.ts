/**
 * A Cutover control plane for one bench: its own Redis key prefix, tokens, data dir and port;
 * started through a real entry point as a process of its own. `close()` stops it and removes
 * every key of the prefix and its directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startNode, until, type Child } from './processes.js';
import { Rest } from './rest.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ControlPlaneOptions {
  label: string;
  /** scripts/start.ts (api + workers), api/main.ts (api alone), or the profiling wrapper. */
  entry: string;
  env?: Record<string, string>;
  ipc?: boolean;
  /** Extra node flags (a preloaded probe, a V8 heap setting being measured). */
  nodeArgs?: string[];
  /**
   * Also start `workers/main.ts` (every worker role) as a process of its own, with the same
   * settings: `entry` is then the api alone (api/main.ts), as when the roles are run separately.
   */
  separateWorkers?: boolean;
}

export class ControlPlane {
  private constructor(
    readonly child: Child,
    readonly rest: Rest,
    readonly apiUrl: string,
    readonly prefix: string,
    readonly enrollToken: string,
    readonly dir: string,
    /** The workers' process, when they run apart from the api (separateWorkers). */
    readonly workers?: Child,
  ) {}

  /** Every process of the control plane: the entry's, then the workers' when apart. */
  get processes(): Child[] {
    return this.workers ? [this.child, this.workers] : [this.child];
  }

  get logDir(): string {
    return path.join(this.dir, 'logs');
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `cutover-bench-${options.label}-`));
    await mkdir(path.join(dir, 'logs'));
    const port = await freePort();
    const prefix = `bench-${options.label}-${randomBytes(4).toString('hex')}`;
    const adminToken = `admin-${randomBytes(16).toString('hex')}`;
    const enrollToken = `enroll-${randomBytes(16).toString('hex')}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL,
      CUTOVER_REDIS_PREFIX: prefix,
      CUTOVER_DATA_DIR: path.join(dir, 'data'),
      CUTOVER_ADMIN_TOKEN: adminToken,
      CUTOVER_ENROLL_TOKEN: enrollToken,
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const start = (name: string, entry: string) => startNode(name, entry, [], { logDir: path.join(dir, 'logs'), ipc: options.ipc, nodeArgs: options.nodeArgs, env });
    const child = start(options.separateWorkers ? 'api' : 'control-plane', options.entry);
    const workers = options.separateWorkers ? start('workers', 'workers/main.ts') : undefined;
    const apiUrl = `http://127.0.0.1:${port}`;
    const cp = new ControlPlane(child, new Rest(apiUrl, adminToken), apiUrl, prefix, enrollToken, dir, workers);
    await until(
      'the api to answer /healthz',
      async () => {
        for (const c of cp.processes) if (c.hasExited()) throw new Error(`the control plane exited; see ${c.logFile}`);
        return (await fetch(`${apiUrl}/healthz`)).ok ? true : undefined;
      },
      60_000,
    );
    return cp;
  }

  /** Registered instances carrying `tag` (name=value). */
  async registered(tagKey: string, tagValue: string): Promise<number> {
    const { instances } = await this.rest.call<{ instances: { registrationStatus: string; tags: Record<string, string> }[] }>('GET', '/v1/instances');
    return instances.filter((i) => i.registrationStatus === 'Registered' && i.tags[tagKey] === tagValue).length;
  }

  async close(keepDir = false): Promise<void> {
    await Promise.all(this.processes.map((c) => c.stop(15_000)));
    await deletePrefix(REDIS_URL, this.prefix);
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Remove every key under a prefix (the store's and BullMQ's alike: all start with `{prefix}`). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
