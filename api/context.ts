import type { Config } from '../shared/config.js';
import type { Store } from '../shared/store/index.js';
import type { Queues } from '../shared/queues.js';
import type { ArtifactStore } from '../shared/artifacts/artifact-store.js';
import type { AgentWake } from './agent-wake.js';
import type { LiveStreams } from './routes/events.js';
import type { ApiMetrics } from './metrics.js';

/** What every route handler may use; built once in app.ts's caller. */
export interface ApiDeps {
  config: Config;
  store: Store;
  queues: Queues;
  artifacts: ArtifactStore;
  wake: AgentWake;
  /** SSE: the shared stream reader and the open event streams. */
  live: LiveStreams;
  /** The Prometheus registry behind GET /metrics. */
  metrics: ApiMetrics;
  now: () => Date;
}
