/**
 * Script logs, kept per lifecycle event per instance: the agent streams each hook's output while
 * it runs, and every event's log holds up to EVENT_LOG_CAP_BYTES (past that the oldest lines go,
 * and the drop is noted) for the retention period after its last line (see lua/append-log.lua).
 *
 * Positions are byte offsets into the whole output an event ever produced: `dropped` bytes were
 * cut from the head, so the stored text starts at offset `dropped` and ends at `end`. A live
 * follower reads the deployment's log stream (one entry per append, no text) and fetches the new
 * range by offset, so it neither misses nor repeats a line.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';

/** CodeDeploy keeps only a 4 KB tail; Cutover keeps each event's full log up to this size. */
export const EVENT_LOG_CAP_BYTES = 1024 * 1024;

export interface LogSegment {
  lifecycleEventName: string;
  text: string;
}

export interface EventLogKey {
  instanceId: string;
  lifecycleEventName: string;
}

export interface EventLog extends EventLogKey {
  text: string;
  /** Bytes dropped from the head because of the cap. */
  dropped: number;
  /** Offset just past the last byte. */
  end: number;
}

/** One append, as announced on the deployment's log stream. */
export interface LogAppend extends EventLogKey {
  /** The stream entry id (a resume point). */
  id: string;
  /** Offset just past the appended text. */
  end: number;
  length: number;
}

export class ScriptLogs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Append one report's output (once per command and sequence number). */
  async append(
    deploymentId: string,
    instanceId: string,
    commandId: string,
    seq: number,
    segments: readonly LogSegment[],
    retentionSeconds: number,
  ): Promise<boolean> {
    const nonEmpty = segments.filter((s) => s.text.length > 0);
    const k = this.keys;
    const appended = await runScript(
      this.redis,
      'append-log',
      [k.commandLogSeq(commandId), k.logDropped(deploymentId), k.logStream(deploymentId), ...nonEmpty.map((s) => k.eventLog(deploymentId, instanceId, s.lifecycleEventName))],
      [seq, EVENT_LOG_CAP_BYTES, retentionSeconds, instanceId, ...nonEmpty.flatMap((s) => [s.lifecycleEventName, s.text])],
    );
    return appended === 1;
  }

  /**
   * The stored logs of the given events, read in one step together with the newest log-stream
   * id: a follower that continues after that id misses nothing and repeats nothing.
   */
  async snapshot(deploymentId: string, which: readonly EventLogKey[]): Promise<{ logs: EventLog[]; streamId: string }> {
    const k = this.keys;
    const tx = this.redis.multi();
    for (const w of which) tx.get(k.eventLog(deploymentId, w.instanceId, w.lifecycleEventName));
    if (which.length > 0) tx.hmget(k.logDropped(deploymentId), ...which.map(field));
    tx.xrevrange(k.logStream(deploymentId), '+', '-', 'COUNT', 1);
    const rows = ((await tx.exec()) ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const texts = rows.slice(0, which.length) as (string | null)[];
    const dropped = (which.length > 0 ? rows[which.length] : []) as (string | null)[];
    const newest = rows[rows.length - 1] as [string, string[]][];
    const logs = which.map((w, i) => {
      const text = texts[i] ?? '';
      const cut = Number(dropped[i] ?? 0);
      return { ...w, text, dropped: cut, end: cut + Buffer.byteLength(text) };
    });
    return { logs, streamId: newest[0]?.[0] ?? '0-0' };
  }

  /** The text between two offsets of one event's log; `missed` counts bytes of it already dropped. */
  async range(deploymentId: string, key: EventLogKey, from: number, to: number): Promise<{ text: string; missed: number }> {
    const k = this.keys;
    const logKey = k.eventLog(deploymentId, key.instanceId, key.lifecycleEventName);
    let dropped = Number((await this.redis.hget(k.logDropped(deploymentId), field(key))) ?? 0);
    // Optimistic: if the head was cut between the two reads, read again with the new offset.
    for (;;) {
      const start = Math.max(from, dropped);
      if (to <= start) return { text: '', missed: Math.min(to, dropped) - Math.min(from, dropped) };
      const [[e1, bytes], [e2, after]] = (await this.redis
        .multi()
        .getrangeBuffer(logKey, start - dropped, to - dropped - 1)
        .hget(k.logDropped(deploymentId), field(key))
        .exec()) as [[Error | null, Buffer], [Error | null, string | null]];
      if (e1 || e2) throw e1 ?? e2;
      const now = Number(after ?? 0);
      if (now === dropped) return { text: bytes.toString('utf8'), missed: start - from };
      dropped = now;
    }
  }

  /** Appends announced after `afterId` (exclusive), oldest first. */
  async appendsAfter(deploymentId: string, afterId: string, count = 1000): Promise<LogAppend[]> {
    return parseLogAppends(await this.redis.xrange(this.keys.logStream(deploymentId), `(${afterId}`, '+', 'COUNT', count));
  }

  streamKey(deploymentId: string): string {
    return this.keys.logStream(deploymentId);
  }
}

export function parseLogAppends(entries: [string, string[]][]): LogAppend[] {
  return entries.map(([id, fields]) => {
    const get = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
    return { id, instanceId: get('i'), lifecycleEventName: get('e'), end: Number(get('o')), length: Number(get('n')) };
  });
}

function field(key: EventLogKey): string {
  return `${key.instanceId} ${key.lifecycleEventName}`;
}

/** What a reader sees where the head of a log was dropped. */
export function droppedNote(bytes: number): string {
  return `[cutover: ${bytes} earlier bytes of this log were dropped; each lifecycle event keeps its last ${EVENT_LOG_CAP_BYTES} bytes]\n`;
}

/** Several event logs as one text, in the order given, each noting a dropped head. */
export function joinEventLogs(logs: readonly EventLog[]): string {
  return logs.map((l) => (l.dropped > 0 ? droppedNote(l.dropped) : '') + l.text).join('');
}
