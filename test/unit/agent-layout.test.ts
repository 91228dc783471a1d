import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Layout, MAX_REVISIONS_PER_GROUP } from '../../agent/layout.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('agent layout', () => {
  it(`keeps the newest ${MAX_REVISIONS_PER_GROUP} revisions of a group, always the current and the last successful`, async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cutover-layout-'));
    dirs.push(root);
    const layout = new Layout(root);
    const ids = Array.from({ length: 8 }, (_, i) => `d-REV00000${i}`);
    for (const [i, id] of ids.entries()) {
      await mkdir(layout.archiveDir('group-1', id), { recursive: true });
      const t = new Date(Date.UTC(2026, 0, 1, 0, i));
      await utimes(layout.deploymentDir('group-1', id), t, t);
    }
    // The oldest one is the last successful install; the newest is the one deploying now.
    await layout.pruneRevisions('group-1', [ids[7], ids[0]]);
    const kept = (await readdir(layout.groupDir('group-1'))).sort();
    expect(kept).toHaveLength(MAX_REVISIONS_PER_GROUP);
    expect(kept).toEqual([ids[0], ids[4], ids[5], ids[6], ids[7]]);
  });

  it('keeps ids to one path segment', () => {
    const layout = new Layout('/r');
    expect(layout.deploymentDir('../../etc', 'd-X/../y')).toBe(path.join('/r', 'deployment-root', '.._.._etc', 'd-X_.._y'));
  });
});
