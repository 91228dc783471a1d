/**
 * The web dashboard's build (web/ → static files), made on demand so that a clean clone, the
 * Docker image (no build step: tsx runs the sources) and every api entry point serve it without
 * a separate command. The output is content-addressed: `web/dist/<hash of web/'s sources and of
 * the build tools' versions>/`, built into a temporary folder and renamed into place, so several
 * api processes sharing a checkout can race to build it and none ever serves a half-written or a
 * stale build. `npm run build:web` builds the same folder ahead of time.
 *
 * Vite runs in a child process: the api process never loads the bundler.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
const DIST = path.join(WEB_ROOT, 'dist');
const BUILD_TIMEOUT_MS = 180_000;
/** Not sources: the build output and anything a tool leaves beside it. */
const SKIPPED = new Set(['dist', 'node_modules']);

const require = createRequire(import.meta.url);

export class DashboardBuildError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

async function sourceFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sourceFiles(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
}

/** What the build depends on: every source file under web/, the versions of vite and preact, and this recipe. */
export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`vite ${versionOf('vite')} preact ${versionOf('preact')}\n`);
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  for (const file of (await sourceFiles(WEB_ROOT)).sort()) {
    hash.update(`${path.relative(WEB_ROOT, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function runVite(outDir: string): Promise<void> {
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const args = [vite, 'build', '--config', path.join(WEB_ROOT, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--mode', 'production', '--logLevel', 'warn'];
  return new Promise((resolve, reject) => {
    // Always a production build: a caller's NODE_ENV (vitest sets `test`) must not change the output.
    const env = { ...process.env, NODE_ENV: 'production' };
    const child = spawn(process.execPath, args, { cwd: WEB_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DashboardBuildError(`vite could not start: ${err.message}`, output));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new DashboardBuildError(`vite build ended with ${signal ?? `exit code ${code}`}`, output));
    });
  });
}

/** Old builds (and temporary folders left by a killed build) go; the current one stays. */
async function prune(keep: string): Promise<void> {
  for (const entry of await readdir(DIST, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const full = path.join(DIST, entry.name);
    // A temporary folder may be another process's build in progress: leave the recent ones.
    if (entry.name.startsWith('.tmp-') && Date.now() - (await stat(full)).mtimeMs < BUILD_TIMEOUT_MS * 2) continue;
    await rm(full, { recursive: true, force: true });
  }
}

/** The folder holding the current build of web/, building it first when there is none. */
export async function buildDashboard(): Promise<{ dir: string; built: boolean }> {
  const hash = await sourceHash();
  const dir = path.join(DIST, hash);
  if (existsSync(path.join(dir, 'index.html'))) return { dir, built: false };
  const tmp = path.join(DIST, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await runVite(tmp);
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first: theirs is as good as ours.
      if (!existsSync(path.join(dir, 'index.html'))) throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await prune(hash);
  return { dir, built: true };
}
