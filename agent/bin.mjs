#!/usr/bin/env -S node --max-semi-space-size=1
// @ts-check
/**
 * The agent's production entry (`npm run agent -- …`, with agent/main.ts's arguments): runs the
 * bundle of agent/main.ts with plain node, rebuilding it first if the sources changed
 * (agent/build.mjs). Tests and the demo may run agent/main.ts through tsx instead: the same code,
 * ~45 MB more resident memory.
 *
 * `--max-semi-space-size=1` (in package.json and on the line above) caps V8's young generation
 * at 2 × 1 MB instead of letting it grow to 2 × 16 MB once deployments start; the agent
 * allocates little, so the extra scavenges cost it next to nothing (docs/BENCHMARKS.md).
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
