/**
 * `npm run build:web`: build the dashboard (web/ → web/dist/<source hash>/) ahead of the api's
 * first request for it, and print its size. The api builds the same folder on demand
 * (api/dashboard-build.ts), so this is optional: for images and CI logs.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildDashboard, DashboardBuildError } from '../api/dashboard-build.js';

/** Every file of a build with its size and gzipped size, in bytes. */
export async function bundleSizes(dir: string): Promise<{ file: string; bytes: number; gzipped: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(
    files.map(async (file) => {
      const content = await readFile(file);
      return { file: path.relative(dir, file), bytes: content.length, gzipped: gzipSync(content, { level: 9 }).length };
    }),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  try {
    const { dir, built } = await buildDashboard();
    const sizes = await bundleSizes(dir);
    for (const s of sizes) console.log(`${s.file.padEnd(40)} ${(s.bytes / 1024).toFixed(1).padStart(8)} KB  gzip ${(s.gzipped / 1024).toFixed(1).padStart(7)} KB`);
    const total = sizes.reduce((sum, s) => sum + s.gzipped, 0);
    console.log(`${built ? 'built' : 'already built'}: ${path.relative(process.cwd(), dir)} in ${Date.now() - started} ms; ${(total / 1024).toFixed(1)} KB gzipped`);
  } catch (err) {
    if (err instanceof DashboardBuildError) console.error(err.output);
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
