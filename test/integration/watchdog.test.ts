/**
 * The worker watchdog against a real Redis: a worker whose connections go silent (a TCP proxy in
 * between stops forwarding on the sockets it has, as a half-open connection after a Redis restart
 * or a network blip does) stops taking jobs; the watchdog notices the queue is not moving and
 * replaces the worker on fresh connections, and the waiting job runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import net from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { WorkerWatchdog } from '../../workers/watchdog.js';
import { connectRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/processes.js';

/** Forwards TCP to Redis; `freeze()` stops forwarding on every connection open now (new ones work). */
class FreezingProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** Every socket ever opened, frozen ones included, so close() can end them all. */
  private readonly sockets = new Set<net.Socket>();
  private constructor(private readonly server: net.Server) {}

  static async start(host: string, port: number): Promise<FreezingProxy> {
    const server = net.createServer();
    const proxy = new FreezingProxy(server);
    server.on('connection', (client) => {
      const upstream = net.connect(port, host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      proxy.pairs.add(pair);
      proxy.sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        proxy.pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    // server.close() waits for every connection to end; frozen ones never would by themselves.
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const prefix = `{${uniquePrefix('watchdog')}}:bull`;
let direct: Redis;
let proxy: FreezingProxy;

beforeAll(async () => {
  direct = connectRedis();
  const url = new URL(REDIS_URL);
  proxy = await FreezingProxy.start(url.hostname, Number(url.port || 6379));
});

afterAll(async () => {
  await deletePrefix(direct, prefix.slice(1, prefix.indexOf('}')));
  direct.disconnect();
  await proxy.close();
});

it('replaces a worker whose queue stopped moving, and the waiting job runs', async () => {
  const viaProxy = new Redis(`redis://127.0.0.1:${proxy.port}`, { maxRetriesPerRequest: null });
  viaProxy.on('error', () => undefined);
  const queue = new Queue('work', { connection: direct, prefix });
  const processed: string[] = [];
  const worker = new Worker('work', async (job) => void processed.push(job.name), { connection: viaProxy, prefix, concurrency: 2 });
  worker.on('error', () => undefined);
  const replaced: Worker[] = [];
  const watchdogConnection = connectRedis();
  const watchdog = new WorkerWatchdog({
    connection: watchdogConnection,
    prefix,
    log: pino({ level: 'silent' }),
    intervalMs: 200,
    stallMs: 1500,
    onReplaced: (w) => {
      w.on('error', () => undefined);
      replaced.push(w);
    },
  });
  watchdog.watch(worker);
  watchdog.start();
  try {
    await queue.add('before', {});
    await until('the first job to run', async () => (processed.includes('before') ? true : undefined), 10_000);
    expect(watchdog.replacements).toBe(0);

    proxy.freeze();
    await queue.add('after', {});
    await until('the job added after the freeze to run', async () => (processed.includes('after') ? true : undefined), 20_000);
    expect(watchdog.replacements).toBe(1);
    expect(replaced).toHaveLength(1);
    expect(watchdog.workers()).toEqual(replaced);
  } finally {
    await watchdog.close();
    await watchdog.closeWorkers();
    await queue.close();
    watchdogConnection.disconnect();
    viaProxy.disconnect();
  }
});
