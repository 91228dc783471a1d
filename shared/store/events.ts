/**
 * Reading deployment events (written by the scripts in ./lua through `emit`). Stream ids are the
 * resume points: an SSE client's Last-Event-ID, the notifier's cursor.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { DeploymentEvent } from '../domain/events.js';

export interface StoredEvent {
  id: string;
  event: DeploymentEvent;
}

export class EventStreams {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Events after `afterId` (exclusive; from the start when absent), oldest first. */
  async range(deploymentId: string | undefined, afterId: string | undefined, count = 1000): Promise<StoredEvent[]> {
    const key = this.streamKey(deploymentId);
    const start = afterId ? `(${afterId}` : '-';
    return toEvents(await this.redis.xrange(key, start, '+', 'COUNT', count));
  }

  /**
   * Wait up to `blockMs` for events after `afterId` ('$' = only new ones). Needs a connection of
   * its own: XREAD BLOCK holds the connection while it waits.
   */
  async waitFor(blocking: Redis, deploymentId: string | undefined, afterId: string, blockMs: number, count = 1000): Promise<StoredEvent[]> {
    const answer = (await blocking.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.streamKey(deploymentId), afterId)) as
      | [string, [string, string[]][]][]
      | null;
    return answer ? toEvents(answer[0][1]) : [];
  }

  streamKey(deploymentId: string | undefined): string {
    return deploymentId ? this.keys.deploymentEvents(deploymentId) : this.keys.allEvents;
  }
}

function toEvents(entries: [string, string[]][]): StoredEvent[] {
  return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[fields.indexOf('e') + 1]) as DeploymentEvent }));
}
