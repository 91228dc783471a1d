/**
 * The agent's journal on disk: states are appended and the last whole line wins, so a torn append
 * loses only itself; a reported state replaces the file; files written by earlier agents (one JSON
 * document per file) still load, and appending to them keeps both readable.
 */
import { appendFile, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Journal, withEvent, type JournalEntry } from '../../agent/journal.js';
import type { AgentCommand } from '../../shared/protocol.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('journal');

function entryOf(commandId: string): JournalEntry {
  const command: AgentCommand = {
    commandId,
    deploymentId: 'd-ABCDEFGHI',
    applicationName: 'web',
    deploymentGroupName: 'prod',
    deploymentGroupId: '0b6a4c4e-1111-4222-8333-944455556666',
    deploymentCreator: 'user',
    revision: { revisionType: 'Bundle', digest: 'a'.repeat(64), bundleType: 'tgz' },
    events: ['BeforeInstall', 'AfterInstall'],
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
  };
  return { command, events: [], complete: false, reported: false, updatedAt: new Date().toISOString() };
}

const ended = (entry: JournalEntry, name: 'BeforeInstall' | 'AfterInstall'): JournalEntry =>
  withEvent(entry, { lifecycleEventName: name, status: 'Succeeded', endTime: new Date().toISOString() });

const fileOf = (root: string, commandId: string): string => path.join(root, 'journal', `${commandId}.json`);

describe('Journal', () => {
  it('loads the last state written for each command, oldest command first', async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    const a = entryOf('d-ABCDEFGHI.host-1.BeforeInstall');
    await journal.write(a);
    await journal.write(ended(a, 'BeforeInstall'));
    const b = entryOf('d-ABCDEFGHI.host-2.BeforeInstall');
    await sleep(5); // updatedAt is to the millisecond
    await journal.write(b);
    await sleep(5);
    const last = { ...ended(ended(a, 'BeforeInstall'), 'AfterInstall'), complete: true };
    await journal.write(last);

    const loaded = await new Journal(root).load();
    expect(loaded.map((e) => e.command.commandId)).toEqual([b.command.commandId, a.command.commandId]);
    expect({ ...loaded[1], updatedAt: last.updatedAt }).toEqual(last);
  });

  it('keeps the state before a torn append, and a later append after it still counts', async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    const entry = ended(entryOf('d-ABCDEFGHI.host-1.BeforeInstall'), 'BeforeInstall');
    await journal.write(entry);
    const file = fileOf(root, entry.command.commandId);
    const whole = await readFile(file, 'utf8');
    await appendFile(file, whole.slice(0, whole.length / 2)); // the agent died mid-append

    const [torn] = await new Journal(root).load();
    expect(torn.events).toEqual(entry.events);

    const next = { ...ended(entry, 'AfterInstall'), complete: true };
    await new Journal(root).write(next);
    const [after] = await new Journal(root).load();
    expect(after.complete).toBe(true);
    expect(after.events.map((e) => e.lifecycleEventName)).toEqual(['BeforeInstall', 'AfterInstall']);
  });

  it('ignores a file with no whole entry', async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    await journal.load();
    await writeFile(fileOf(root, 'torn'), '{"command":{"commandId"');
    await writeFile(fileOf(root, 'foreign'), '{"hello":"world"}\n');
    expect(await journal.load()).toEqual([]);
  });

  it("reads an earlier agent's file (one JSON document) and appends to it", async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    await journal.load();
    const entry = ended(entryOf('d-ABCDEFGHI.host-1.BeforeInstall'), 'BeforeInstall');
    await writeFile(fileOf(root, entry.command.commandId), JSON.stringify(entry));

    expect(await journal.load()).toEqual([entry]);
    await journal.write({ ...entry, complete: true });
    const [upgraded] = await journal.load();
    expect(upgraded.complete).toBe(true);
  });

  it('replaces the file with the one reported state', async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    const entry = entryOf('d-ABCDEFGHI.host-1.BeforeInstall');
    await journal.write(entry);
    await journal.write({ ...ended(entry, 'BeforeInstall'), complete: true });
    await journal.write({ ...ended(entry, 'BeforeInstall'), complete: true, reported: true });

    const text = await readFile(fileOf(root, entry.command.commandId), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({ complete: true, reported: true });
    expect(await readdir(path.join(root, 'journal'))).toEqual([`${entry.command.commandId}.json`]);
  });

  it('makes its directory again when it went away', async () => {
    const root = await tempDir();
    const journal = new Journal(root);
    const entry = entryOf('d-ABCDEFGHI.host-1.BeforeInstall');
    await journal.write(entry);
    await rm(path.join(root, 'journal'), { recursive: true });
    await journal.write({ ...entry, complete: true });
    expect((await journal.load())[0].complete).toBe(true);
  });
});
