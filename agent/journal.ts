/**
 * The agent's journal: one small file per command under `<root>/journal`, holding its states as
 * they were written, one JSON entry a line; the last whole line is the command's state. It is what
 * makes a restarted agent honest: an event that was running when the agent died is failed with a
 * clear message rather than left hanging, and results that were never delivered are sent again.
 *
 * A new state is appended: no temporary file, no rename (rewriting the file cost ~4 times the CPU
 * per state, most of it in the kernel, and an agent writes about a dozen per command). As before,
 * a state is written, not fsynced, when its write resolves: it survives the agent's death, which is
 * what recovery is for. A torn append loses only itself: the lines before it are untouched, it does
 * not parse, and every line starts with a newline so the next append never joins it. The reported
 * state, which the file is then only kept for, replaces the file whole (write + rename), so kept
 * files are one line. A file written by an earlier agent (one JSON document) reads as one line.
 */
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { AgentCommand, EventUpdate } from '../shared/protocol.js';

const JournalEntry = z.object({
  command: AgentCommand,
  /** The latest state of each event, in the order they ran. */
  events: z.array(EventUpdate),
  complete: z.boolean(),
  /** The api accepted the completion; the entry is only kept to recognise the command. */
  reported: z.boolean(),
  /** The hook process group running now, and its leader's start time (to recognise it after a restart). */
  runningHook: z.object({ pgid: z.number().int().positive(), startTicks: z.string() }).optional(),
  updatedAt: z.string(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

/** Journals of reported commands are kept for a while, then pruned oldest first. */
const KEEP_REPORTED = 50;

export class Journal {
  private readonly dir: string;
  /** Writes of one command's file happen one after another, in the order they were asked for. */
  private readonly writes = new Map<string, Promise<void>>();
  /** The directory is made once per agent, not once per write. */
  private dirMade: Promise<void> | undefined;

  constructor(root: string) {
    this.dir = path.join(root, 'journal');
  }

  async load(): Promise<JournalEntry[]> {
    await mkdir(this.dir, { recursive: true });
    const entries: JournalEntry[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const entry = lastEntryOf(await readFile(path.join(this.dir, name), 'utf8').catch(() => ''));
      // A file with no whole entry (torn first write, foreign) is ignored.
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  write(entry: JournalEntry): Promise<void> {
    const id = entry.command.commandId;
    const next = (this.writes.get(id) ?? Promise.resolve()).then(() => this.writeNow(entry));
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  private async writeNow(entry: JournalEntry): Promise<void> {
    const file = this.fileOf(entry.command.commandId);
    const line = `\n${JSON.stringify({ ...entry, updatedAt: new Date().toISOString() })}`;
    const put = entry.reported ? () => replace(file, line) : () => appendFile(file, line);
    await this.ensureDir();
    try {
      await put();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // The directory went away under the agent (someone cleaned its root): make it again.
      this.dirMade = undefined;
      await this.ensureDir();
      await put();
    }
  }

  private ensureDir(): Promise<void> {
    this.dirMade ??= mkdir(this.dir, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.dirMade = undefined;
        throw err;
      },
    );
    return this.dirMade;
  }

  async prune(): Promise<void> {
    const reported = (await this.load()).filter((e) => e.reported);
    for (const entry of reported.slice(0, Math.max(0, reported.length - KEEP_REPORTED))) {
      await rm(this.fileOf(entry.command.commandId), { force: true });
    }
  }

  private fileOf(commandId: string): string {
    return path.join(this.dir, `${commandId}.json`);
  }
}

/** Replace a file whole, atomically: a reader (or a crash) sees the old content or the new. */
async function replace(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, content);
  await rename(temp, file);
}

/** A journal file's state: its last line that is a whole entry (a torn append is not). */
export function lastEntryOf(text: string): JournalEntry | undefined {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i] === '') continue;
    try {
      const parsed = JournalEntry.safeParse(JSON.parse(lines[i]));
      if (parsed.success) return parsed.data;
    } catch {
      // torn: the state before it is the last one written whole
    }
  }
  return undefined;
}

/** Record one event's new state in an entry (replacing its previous state). */
export function withEvent(entry: JournalEntry, update: EventUpdate): JournalEntry {
  const others = entry.events.filter((e) => e.lifecycleEventName !== update.lifecycleEventName);
  const previous = entry.events.find((e) => e.lifecycleEventName === update.lifecycleEventName);
  return { ...entry, events: [...others, { ...previous, ...update }] };
}
