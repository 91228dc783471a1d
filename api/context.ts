import type { Config } from '../shared/config.js';
import type { Store } from '../shared/store/index.js';
import type { Queues } from '../shared/queues.js';
import type { ArtifactStore } from '../shared/artifacts/artifact-store.js';
import type { AgentWake } from './agent-wake.js';

/** What every route handler may use; built once in app.ts's caller. */
export interface ApiDeps {
  config: Config;
  store: Store;
  queues: Queues;
  artifacts: ArtifactStore;
  wake: AgentWake;
  now: () => Date;
}
