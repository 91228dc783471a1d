/**
 * A whole Cutover for one test file: api and workers (one process, or two when a test needs to
 * kill the workers alone), N real agent processes each with its own root, install root and port,
 * a private Redis key prefix and temp dir. `stop()` ends every process and removes the keys.
 */
import { mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTsx, until, type Proc } from './processes.js';
import { RestClient } from './rest-client.js';
import { connectRedis, deletePrefix, REDIS_URL, uniquePrefix } from './redis.js';

export interface SystemOptions {
  label: string;
  /** Run api and workers as separate processes (so the workers can be killed alone). */
  split?: boolean;
  env?: Record<string, string>;
  /** A Redis of the test's own (e.g. one it restarts); the shared test Redis otherwise. */
  redisUrl?: string;
}

export interface AgentHandle {
  name: string;
  proc: Proc;
  root: string;
  installRoot: string;
  port: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export class TestSystem {
  readonly agents = new Map<string, AgentHandle>();
  private readonly procs: Proc[] = [];
  workers?: Proc;
  api?: Proc;

  private constructor(
    readonly options: SystemOptions,
    readonly dir: string,
    readonly prefix: string,
    readonly port: number,
    readonly adminToken: string,
    readonly enrollToken: string,
    readonly rest: RestClient,
  ) {}

  static async start(options: SystemOptions): Promise<TestSystem> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `cutover-${options.label}-`));
    const port = await freePort();
    const adminToken = `admin-${randomBytes(16).toString('hex')}`;
    const enrollToken = `enroll-${randomBytes(16).toString('hex')}`;
    const system = new TestSystem(options, dir, uniquePrefix(options.label), port, adminToken, enrollToken, new RestClient(`http://127.0.0.1:${port}`, adminToken));
    await system.startControlPlane();
    return system;
  }

  get redisUrl(): string {
    return this.options.redisUrl ?? REDIS_URL;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private env(): Record<string, string> {
    return {
      PORT: String(this.port),
      REDIS_URL: this.redisUrl,
      CUTOVER_REDIS_PREFIX: this.prefix,
      CUTOVER_DATA_DIR: path.join(this.dir, 'data'),
      CUTOVER_ADMIN_TOKEN: this.adminToken,
      CUTOVER_ENROLL_TOKEN: this.enrollToken,
      CUTOVER_HEARTBEAT_TIMEOUT_SECONDS: '6',
      CUTOVER_SWEEP_INTERVAL_MS: '1000',
      CUTOVER_COMMAND_GRACE_SECONDS: '30',
      ...this.options.env,
    };
  }

  private track(proc: Proc): Proc {
    this.procs.push(proc);
    return proc;
  }

  private async startControlPlane(): Promise<void> {
    const logs = path.join(this.dir, 'logs');
    await mkdir(logs, { recursive: true });
    if (this.options.split) {
      this.api = this.track(startTsx('api', 'api/main.ts', [], this.env(), logs));
      await this.startWorkers();
    } else {
      this.api = this.track(startTsx('cutover', 'scripts/start.ts', [], this.env(), logs));
    }
    await until('the api to answer /healthz', async () => ((await fetch(`${this.apiUrl}/healthz`)).ok ? true : undefined), 30_000);
  }

  /** Restart the api process of a split system (after `sys.api.kill()`) and wait until it answers. */
  async startApi(): Promise<Proc> {
    this.api = this.track(startTsx(`api-${this.procs.length}`, 'api/main.ts', [], this.env(), path.join(this.dir, 'logs')));
    await until('the api to answer /healthz', async () => ((await fetch(`${this.apiUrl}/healthz`)).ok ? true : undefined), 30_000);
    return this.api;
  }

  /** (Re)start the worker process of a split system. */
  async startWorkers(): Promise<Proc> {
    this.workers = this.track(startTsx(`workers-${this.procs.length}`, 'workers/main.ts', [], this.env(), path.join(this.dir, 'logs')));
    return this.workers;
  }

  async startAgent(name: string, tags: Record<string, string>, hookEnv: Record<string, string> = {}): Promise<AgentHandle> {
    const existing = this.agents.get(name);
    const root = existing?.root ?? path.join(this.dir, 'hosts', name, 'agent');
    const installRoot = existing?.installRoot ?? path.join(this.dir, 'hosts', name, 'fs');
    const port = existing?.port ?? (await freePort());
    const args = [
      '--api', this.apiUrl,
      '--enroll-token', this.enrollToken,
      '--name', name,
      '--tags', Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(','),
      '--root', root,
      '--install-root', installRoot,
      '--hook-env', `APP_PORT=${port}`,
      '--hook-env', `HOST_LABEL=${name}`,
      ...Object.entries(hookEnv).flatMap(([k, v]) => ['--hook-env', `${k}=${v}`]),
    ];
    const proc = this.track(startTsx(`agent-${name}-${this.procs.length}`, 'agent/main.ts', args, { LOG_LEVEL: 'debug' }, path.join(this.dir, 'logs')));
    const handle = { name, proc, root, installRoot, port };
    this.agents.set(name, handle);
    await until(`agent ${name} to register`, async () => {
      const { instances } = await this.rest.ok('GET', '/v1/instances');
      const me = (instances as { instanceName: string; lastSeenAt?: string }[]).find((i) => i.instanceName === name);
      return me && me.lastSeenAt && Date.now() - Date.parse(me.lastSeenAt) < 2000 ? true : undefined;
    });
    return handle;
  }

  async startAgents(count: number, tags: Record<string, string>, namePrefix = 'host'): Promise<AgentHandle[]> {
    return Promise.all(Array.from({ length: count }, (_, i) => this.startAgent(`${namePrefix}-${i + 1}`, tags)));
  }

  /** Every process's log, for a failing test's output. */
  logs(): string {
    return this.procs.map((p) => `----- ${p.name} -----\n${p.log().slice(-20_000)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.kill()));
    // Apps started by hooks (the sample app, test daemons) record their pids; stop them too.
    await killRecordedPids(path.join(this.dir, 'hosts'));
    const redis = connectRedis(this.redisUrl);
    try {
      await deletePrefix(redis, this.prefix);
    } finally {
      redis.disconnect();
    }
    if (!process.env.CUTOVER_KEEP_TEST_DIRS) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Kill every process whose pid is in a `*.pid` file below `dir`. */
async function killRecordedPids(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.pid')) continue;
    const pid = Number((await readFile(path.join(entry.parentPath, entry.name), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
