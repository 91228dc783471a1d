/**
 * One command's script log: every line goes to `logs/scripts.log` on the host (the full log,
 * always there to read) and to the api through the reporter, labelled with its lifecycle event
 * (the api keeps each event's log); the last 4 KB of the current event is kept for its
 * diagnostics, as CodeDeploy does.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { LifecycleEventName } from '../shared/domain/lifecycle.js';

const TAIL_BYTES = 4096;

export class ScriptLog {
  private readonly file: WriteStream;
  private eventTail = '';
  private event: LifecycleEventName | undefined;

  constructor(
    filePath: string,
    private readonly forward: (text: string, event: LifecycleEventName) => void,
  ) {
    mkdirSync(path.dirname(filePath), { recursive: true });
    this.file = createWriteStream(filePath, { flags: 'a' });
  }

  beginEvent(name: LifecycleEventName): void {
    this.eventTail = '';
    this.event = name;
    this.line(`LifecycleEvent - ${name}`);
  }

  line(text: string, stream?: 'stdout' | 'stderr'): void {
    const entry = `[${new Date().toISOString()}] ${stream ? `[${stream}]` : ''}${text}\n`;
    this.file.write(entry);
    if (this.event) this.forward(entry, this.event);
    if (stream) {
      this.eventTail += `[${stream}]${text}\n`;
      if (this.eventTail.length > TAIL_BYTES * 2) this.eventTail = this.eventTail.slice(-TAIL_BYTES * 2);
    }
  }

  /** The last 4 KB of the current event's script output. */
  tail(): string {
    const bytes = Buffer.from(this.eventTail, 'utf8');
    if (bytes.length <= TAIL_BYTES) return this.eventTail;
    // Cut on a character boundary: skip UTF-8 continuation bytes at the start of the window.
    let start = bytes.length - TAIL_BYTES;
    while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
    return bytes.subarray(start).toString('utf8');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
