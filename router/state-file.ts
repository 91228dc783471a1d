/**
 * Optional `--state-file`: the registrations (not the counters) written after every admin change
 * and read at start, so a restarted router serves the same targets (each is health-checked again
 * before it takes traffic). Writes are serialised and atomic (temp file + rename).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as z from 'zod';
import type { Logger } from '../shared/logger.js';
import { HealthCheckBody, TargetIdSchema, WeightSchema } from '../shared/traffic/builtin/admin-protocol.js';
import type { Pool } from './pool.js';

const StateSchema = z.object({
  pools: z.record(
    z.string(),
    z.array(z.object({ id: TargetIdSchema, address: z.string(), weight: WeightSchema, admin: z.enum(['in-service', 'draining']), healthCheck: HealthCheckBody })),
  ),
});
type State = z.infer<typeof StateSchema>;

export class StateFile {
  private writing: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(
    private readonly file: string,
    private readonly pools: ReadonlyMap<string, Pool>,
    private readonly log: Logger,
  ) {}

  /** Restore registrations into the pools; returns the targets restored (health unknown until checked). */
  async load(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const state = StateSchema.parse(JSON.parse(text));
    let restored = 0;
    for (const [name, targets] of Object.entries(state.pools)) {
      const pool = this.pools.get(name);
      if (!pool) {
        this.log.warn({ pool: name, file: this.file }, 'state file names a pool this router does not have; ignored');
        continue;
      }
      for (const t of targets) {
        const { target } = pool.upsert(t.id, { address: t.address, weight: t.weight, healthCheck: t.healthCheck });
        if (t.admin === 'draining') target.admin = 'draining';
        restored++;
      }
    }
    return restored;
  }

  /** Write the current registrations soon; calls that arrive while a write runs are folded into one more. */
  save(): void {
    if (this.pending) return;
    this.pending = true;
    this.writing = this.writing.then(async () => {
      this.pending = false;
      const state: State = { pools: {} };
      for (const pool of this.pools.values()) {
        state.pools[pool.name] = [...pool.targets.values()].map((t) => ({ id: t.id, address: t.view().address, weight: t.weight, admin: t.admin, healthCheck: t.healthCheck }));
      }
      const temp = `${this.file}.${process.pid}.tmp`;
      try {
        await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
        await rename(temp, this.file);
      } catch (err) {
        this.log.error({ err, file: this.file }, 'could not write the state file');
      }
    });
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
