#!/usr/bin/env -S node --max-semi-space-size=1 --single-threaded --no-opt --no-sparkplug --optimize-for-size --expose-gc
// @ts-check
/**
 * The agent's production entry (`npm run agent -- …`, with agent/main.ts's arguments): runs the
 * bundle of agent/main.ts with plain node, rebuilding it first if the sources changed
 * (agent/build.mjs). Tests and the demo may run agent/main.ts through tsx instead: the same code,
 * ~50 MB more resident memory.
 *
 * The node flags (package.json's `agent` script and the line above; V8 reads them at start, so
 * they cannot be set from here), each measured with `npm run bench:agent` (docs/BENCHMARKS.md):
 * - `--max-semi-space-size=1`: the young generation stays at 2 × 1 MB instead of growing to
 *   2 × 16 MB once deployments start (−25 MB after 200 deployments);
 * - `--single-threaded`: V8 collects and compiles on the main thread, so its worker threads do
 *   not each leave a malloc arena behind (−17 MB outside V8's heap after 200 deployments);
 * - `--no-opt`: no optimizing compiler (TurboFan). The agent waits on the network, disks and
 *   hook scripts, not on JavaScript; without it the optimized code that otherwise piled up with
 *   every deployment (+1.4 MB of live heap over 180) and the compiler's pages (−4 MB at idle) go;
 * - `--no-sparkplug`: no baseline compiler either, bytecode only (−2 MB after deployments). The
 *   one flag here that costs CPU where JavaScript does work: unpacking a 2000-file bundle took
 *   ~30 % more (tar is JavaScript; gunzip and sha256 are not). Drop it if that matters more;
 * - `--optimize-for-size`: V8 grows the old generation less eagerly (−3 MB after a full GC);
 * - `--expose-gc`: for one full collection a second after the agent runs out of work
 *   (agent/idle-collection.ts): an idle agent hardly allocates, so V8 alone would keep a
 *   deployment's garbage until the next one (−6 MB at rest).
 * Not `--lite-mode`/`--jitless`: they take WebAssembly away, and with it fetch (undici's parser).
 */
import { pathToFileURL } from 'node:url';
import { agentBundle, AgentBuildError } from './build.mjs';

let file;
try {
  file = agentBundle();
} catch (err) {
  console.error(err instanceof AgentBuildError ? `could not build the agent: ${err.message}` : err);
  process.exit(1);
}
await import(pathToFileURL(file).href);
