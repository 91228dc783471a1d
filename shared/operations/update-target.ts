/**
 * Read–decide–write for one instance target with optimistic concurrency: `decide` is pure and
 * sees the stored target; if another writer got in between, the target is re-read and `decide`
 * runs again. A decision of `undefined` means "nothing to write".
 */
import type { Store } from '../store/index.js';
import type { CommandRecord } from '../store/commands.js';
import type { InstanceTarget } from '../domain/types.js';

export interface TargetWrite {
  after: InstanceTarget;
  command?: { op: 'open' | 'close'; record: CommandRecord };
}

const MAX_ATTEMPTS = 50;

export class TargetContentionError extends Error {}

export async function updateTarget(
  store: Store,
  deploymentId: string,
  instanceName: string,
  decide: (target: InstanceTarget) => TargetWrite | undefined,
): Promise<{ target: InstanceTarget; written: boolean } | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const target = await store.deployments.getTarget(deploymentId, instanceName);
    if (!target) return undefined;
    const write = decide(target);
    if (!write) return { target, written: false };
    if (await store.deployments.writeTarget(target, write.after, write.command)) {
      return { target: { ...write.after, version: target.version + 1 }, written: true };
    }
  }
  throw new TargetContentionError(`target ${deploymentId}/${instanceName} kept changing; giving up after ${MAX_ATTEMPTS} attempts`);
}
