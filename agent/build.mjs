// @ts-check
/**
 * The agent as production runs it: agent/main.ts and everything it imports, npm packages
 * included, bundled by esbuild into one ESM file that plain `node` runs (agent/bin.mjs). Without
 * tsx's loader and the ~200 package files loaded one by one, an idle agent holds ~45 MB less
 * (docs/BENCHMARKS.md, "Agent memory").
 *
 * Built on demand, as the dashboard is (api/dashboard-build.ts), so a clean clone, the Docker
 * image and every entry point run it without a separate command; `npm run build:agent`
 * (`node agent/build.mjs`) builds it ahead of time. The output is content-addressed:
 * `agent/dist/<hash>/agent.mjs`, the hash taken over this recipe, esbuild's version and every
 * file the bundle was made from, which `inputs.json` lists beside it with their sizes and mtimes.
 * A build is built into a temporary folder renamed into place, so agents starting together on a
 * fresh checkout can race to build it and none runs a half-written file.
 *
 * Starting an agent only stats the inputs (~270 files, a few ms). When one differs from its
 * stamp, a child process hashes their contents and reuses the build if they still match (a
 * checkout that only touched mtimes) or builds anew: reading 1.6 MB of sources in the agent
 * itself would leave ~7 MB in its resident memory for good. esbuild is the copy tsx depends on.
 *
 * Plain JavaScript, because it runs before anything could compile TypeScript.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SELF), '..');
const DIST = path.join(REPO_ROOT, 'agent', 'dist');
const ENTRY = 'agent/main.ts';
const BUILD_TIMEOUT_MS = 120_000;
/** Read by esbuild without appearing among the bundle's inputs. */
const SETTINGS = ['tsconfig.json'];

/**
 * esbuild's options. The banner gives the ESM bundle a `require` for the CommonJS packages it
 * contains (pino, yauzl) to load Node's built-in modules with.
 */
const ESBUILD_ARGS = [
  ENTRY,
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--target=node20',
  '--legal-comments=none',
  '--log-level=warning',
  "--banner:js=import { createRequire as __cutoverCreateRequire } from 'node:module'; const require = __cutoverCreateRequire(import.meta.url);",
];

export class AgentBuildError extends Error {}

/**
 * One file a build was made from, as it was when built.
 * @typedef {{ path: string, size: number, mtimeMs: number }} Input
 */

/** @param {string} dir a build folder @returns {Input[] | undefined} its inputs, or undefined if it is not a finished build */
function readInputs(dir) {
  try {
    return /** @type {Input[]} */ (JSON.parse(readFileSync(path.join(dir, 'inputs.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** @param {string} dir @param {readonly Input[]} inputs */
function writeInputs(dir, inputs) {
  const tmp = path.join(dir, `.inputs-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(tmp, `${JSON.stringify(inputs, null, 1)}\n`);
  renameSync(tmp, path.join(dir, 'inputs.json'));
}

/** @param {string} relative a path from the repository root @returns {Input | undefined} */
function stamp(relative) {
  try {
    const s = statSync(path.join(REPO_ROOT, relative));
    return { path: relative, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** @param {Input} input */
function unchanged(input) {
  const now = stamp(input.path);
  return now !== undefined && now.size === input.size && now.mtimeMs === input.mtimeMs;
}

/** @returns {string[]} the finished build folders' names (normally one) */
function builds() {
  if (!existsSync(DIST)) return [];
  return readdirSync(DIST, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
}

/**
 * The build whose inputs are all as stamped: the agent's own check, stats only.
 * @returns {string | undefined} its agent.mjs
 */
export function currentBuild() {
  for (const name of builds()) {
    const dir = path.join(DIST, name);
    if (readInputs(dir)?.every(unchanged) && existsSync(path.join(dir, 'agent.mjs'))) return path.join(dir, 'agent.mjs');
  }
  return undefined;
}

// ---- Building: in `node agent/build.mjs` only ------------------------------------------------

/** The esbuild that tsx (a runtime dependency) installs, and its version. */
function esbuild() {
  const fromRepo = createRequire(import.meta.url);
  const fromTsx = createRequire(fromRepo.resolve('tsx/package.json'));
  const manifest = fromTsx.resolve('esbuild/package.json');
  const { version } = /** @type {{ version: string }} */ (JSON.parse(readFileSync(manifest, 'utf8')));
  return { binary: path.join(path.dirname(manifest), 'bin', 'esbuild'), version };
}

/**
 * This recipe, esbuild's version and each input's path and content, as a short hex digest;
 * undefined when an input has gone (a moved or deleted source).
 * @param {readonly string[]} inputs paths from the repository root
 * @param {string} esbuildVersion
 */
function contentHash(inputs, esbuildVersion) {
  const hash = createHash('sha256');
  hash.update(readFileSync(SELF));
  hash.update(`esbuild ${esbuildVersion}\n`);
  for (const input of inputs) {
    const file = path.join(REPO_ROOT, input);
    if (!existsSync(file)) return undefined;
    hash.update(`${input}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Bundle into a temporary folder and rename it to the hash of its inputs.
 * @param {{ binary: string, version: string }} tool
 * @returns {string} the build's folder
 */
function bundle(tool) {
  mkdirSync(DIST, { recursive: true });
  const tmp = path.join(DIST, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const meta = path.join(tmp, 'meta.json');
    const run = spawnSync(tool.binary, [...ESBUILD_ARGS, `--outfile=${path.join(tmp, 'agent.mjs')}`, `--metafile=${meta}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: BUILD_TIMEOUT_MS,
    });
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
    if (run.error) throw new AgentBuildError(`esbuild could not run: ${run.error.message}\n${output}`);
    if (run.status !== 0) throw new AgentBuildError(`esbuild ended with ${run.signal ?? `exit code ${run.status}`}\n${output}`);
    const bundled = Object.keys(/** @type {{ inputs: object }} */ (JSON.parse(readFileSync(meta, 'utf8'))).inputs);
    const paths = [...SETTINGS, ...bundled.sort()];
    rmSync(meta);
    // Stamped before hashing: a file edited meanwhile then looks changed at the next start.
    const inputs = paths.map(stamp);
    const hash = contentHash(paths, tool.version);
    if (!hash || inputs.some((i) => i === undefined)) throw new AgentBuildError('an input of the agent went away while it was being built');
    writeInputs(tmp, /** @type {Input[]} */ (inputs));
    const dir = path.join(DIST, hash);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process finished the same build first: theirs is as good as ours.
      if (!readInputs(dir)) throw err;
    }
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Other builds go, and temporary folders left by a killed build once they are old. @param {string} keep */
function prune(keep) {
  for (const entry of readdirSync(DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const full = path.join(DIST, entry.name);
    if (entry.name.startsWith('.tmp-') && Date.now() - statSync(full).mtimeMs < BUILD_TIMEOUT_MS * 2) continue;
    rmSync(full, { recursive: true, force: true });
  }
}

/**
 * The build of the current sources: an existing one whose inputs still hash to its name (its
 * stamps refreshed), or a new one.
 * @returns {{ file: string, built: boolean }}
 */
export function buildAgent() {
  const tool = esbuild();
  for (const name of builds()) {
    const dir = path.join(DIST, name);
    const inputs = readInputs(dir);
    if (!inputs || contentHash(inputs.map((i) => i.path), tool.version) !== name) continue;
    const restamped = inputs.map((i) => stamp(i.path));
    if (restamped.every((i) => i !== undefined)) writeInputs(dir, /** @type {Input[]} */ (restamped));
    return { file: path.join(dir, 'agent.mjs'), built: false };
  }
  const dir = bundle(tool);
  prune(path.basename(dir));
  return { file: path.join(dir, 'agent.mjs'), built: true };
}

/**
 * What agent/bin.mjs runs: the current build, made first (in a child process) when the sources
 * changed since the last one.
 * @returns {string} the bundle's path
 */
export function agentBundle() {
  const current = currentBuild();
  if (current) return current;
  const child = spawnSync(process.execPath, [SELF, '--json'], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS + 10_000 });
  if (child.status !== 0) throw new AgentBuildError(`${child.stderr ?? ''}${child.error?.message ?? ''}`.trim() || `the build ended with ${child.signal}`);
  return /** @type {{ file: string }} */ (JSON.parse(child.stdout)).file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const started = Date.now();
    const { file, built } = buildAgent();
    if (process.argv.includes('--json')) console.log(JSON.stringify({ file, built }));
    else console.log(`${built ? 'built' : 'already built'}: ${path.relative(process.cwd(), file)} (${(statSync(file).size / 1024).toFixed(0)} KB) in ${Date.now() - started} ms`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
