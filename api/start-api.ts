import type { Server } from 'node:http';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../shared/store/index.js';
import type { Queues } from '../shared/queues.js';
import { createRedis } from '../shared/store/redis.js';
import { FilesystemArtifactStore } from '../shared/artifacts/filesystem-store.js';
import { AgentWake } from './agent-wake.js';
import { StreamHub } from './routes/events-hub.js';
import { SseClients } from './routes/events-sse.js';
import { ApiMetrics } from './metrics.js';
import { createApp } from './app.js';
import { seedTokens } from './seed-tokens.js';
import { answerClientErrors } from './edges/client-errors.js';

/**
 * Connections the kernel may hold for the api before it accepts them (Node's default is 511; the
 * kernel caps this at net.core.somaxconn). When thousands of agents open connections at once (a
 * 5,000-host deployment: every agent's bundle download and first report), a full queue drops the
 * handshake silently and each client retransmits with doubling delays: requests that stall for
 * 30–90 s (docs/BENCHMARKS.md, H).
 */
export const LISTEN_BACKLOG = 4096;

export interface ApiHandle {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startApi(config: Config, store: Store, queues: Queues, log: Logger): Promise<ApiHandle> {
  await seedTokens(config, store, log);
  const wake = new AgentWake(createRedis(config.redisUrl, 'cutover-api-wake'), store.keys.wakeChannel);
  await wake.start();
  const live = { hub: new StreamHub(createRedis(config.redisUrl, 'cutover-api-streams'), store.redis, log), sse: new SseClients() };
  const metrics = new ApiMetrics(store, config, live.sse);
  const app = createApp({ config, store, queues, artifacts: new FilesystemArtifactStore(config.dataDir), wake, live, metrics, now: () => new Date() }, log);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => resolve(s));
    s.on('error', reject);
  });
  answerClientErrors(server);
  // Long polls must outlive Node's default timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, host: config.host }, 'api listening');
  return {
    server,
    port,
    async close() {
      await wake.close();
      live.sse.closeAll();
      await live.hub.close();
      await metrics.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
