/**
 * The fleet simulator: one process hosting N agents. Each is the production `Agent` class with
 * its own root (journal, identity, bundles, script logs) and its own install root, talking HTTP
 * to the api like any host. Hooks are either the real runner with the bench bundle's trivial
 * scripts (`script`), or an in-process no-op runner (`noop`) that answers Success at once, for
 * figures of the control plane alone.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Agent } from '../../agent/agent.js';
import type { HookRunner } from '../../agent/events/event-context.js';
import type { Logger } from '../../shared/logger.js';
import type { Tags } from '../../shared/domain/tag-filters.js';

export type HookMode = 'noop' | 'script';

/** Every hook succeeds at once, without a process: what is left is the agent and the control plane. */
export const noopHookRunner: HookRunner = async (options) => {
  options.onOutput('stdout', `no-op hook: ${options.location ?? options.scriptPath}`);
  return { errorCode: 'Success', exitCode: 0, message: 'Succeeded (no-op hook runner)' };
};

export interface FleetOptions {
  apiUrl: string;
  enrollToken: string;
  count: number;
  /** Host names are `<namePrefix>-<n>`, n from `first` (default 1) on. */
  namePrefix: string;
  first?: number;
  tags: Tags;
  /** Each host gets `<rootDir>/<name>/agent` and `<rootDir>/<name>/fs`. */
  rootDir: string;
  hooks: HookMode;
  log: Logger;
  /** How many agents register at once. */
  startConcurrency?: number;
}

/** `host-7` for n = 7: letters, digits and - only, as the api requires. */
export function hostName(prefix: string, n: number): string {
  return `${prefix}-${n}`;
}

export class FleetSimulator {
  readonly agents: Agent[] = [];
  private failures = 0;

  constructor(private readonly options: FleetOptions) {}

  get started(): number {
    return this.agents.length;
  }

  get failed(): number {
    return this.failures;
  }

  /** Register and start every agent (bounded concurrency); `onProgress` is told the count now and then. */
  async start(onProgress?: (started: number) => void): Promise<void> {
    const { options } = this;
    const concurrency = Math.max(1, options.startConcurrency ?? 50);
    const first = options.first ?? 1;
    const last = first + options.count - 1;
    let next = first;
    const worker = async () => {
      while (next <= last) {
        const n = next++;
        const name = hostName(options.namePrefix, n);
        const hostDir = path.join(options.rootDir, name);
        const agent = new Agent({
          apiUrl: options.apiUrl,
          enrollToken: options.enrollToken,
          name,
          tags: options.tags,
          root: path.join(hostDir, 'agent'),
          installRoot: path.join(hostDir, 'fs'),
          hookEnv: { HOST_LABEL: name },
          log: options.log.child({ host: name }),
          hookRunner: options.hooks === 'noop' ? noopHookRunner : undefined,
        });
        try {
          await mkdir(hostDir, { recursive: true });
          await agent.start();
          this.agents.push(agent);
          if (this.agents.length % 500 === 0) onProgress?.(this.agents.length);
        } catch (err) {
          this.failures++;
          options.log.error({ host: name, err: (err as Error).message }, 'agent did not start');
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Stop every agent; running commands get `waitMs` to finish. */
  async stop(waitMs = 2000): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop(waitMs)));
  }
}
