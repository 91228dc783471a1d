/**
 * A short run of the chaos trials (`npm run chaos` runs 20): the worker process is SIGKILLed at a
 * random moment of a deployment — in place (of the rollback after a failure; around a stop) and
 * blue/green (a linear traffic shift) — and restarted; the deployment must still end right, with
 * every lifecycle event recorded exactly once, and a blue/green one with each traffic step once
 * and all the traffic on the new version.
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { killWindowMs, runTrial, seededRandom, startChaosWorld, stopChaosWorld, stopWindowMs, type ChaosWorld, type TrialKind } from '../../scripts/chaos/world.js';

let world: ChaosWorld;
const seed = Math.floor(Math.random() * 2 ** 31);
const random = seededRandom(seed);

beforeAll(async () => {
  world = await startChaosWorld('chaoslite', () => undefined);
}, 180_000);

afterAll(async () => {
  if (world) await stopChaosWorld(world);
});

const trials: TrialKind[] = ['fail-then-rollback', 'one-at-a-time', 'stop-midway', 'blue-green-linear'];

it.each(trials)('%s survives a SIGKILLed worker', async (kind) => {
  onTestFailed(() => console.error(`chaos seed ${seed}\n${world.sys.logs()}`));
  const killAtMs = Math.round(random() * killWindowMs(kind));
  const downForMs = Math.round(random() * 1500);
  const stopAtMs = 300 + Math.round(random() * stopWindowMs(kind));
  const result = await runTrial(world, kind, killAtMs, downForMs, stopAtMs);
  expect(result.problems, `kill at ${killAtMs} ms, down ${downForMs} ms, stop at ${stopAtMs} ms (seed ${seed})`).toEqual([]);
});
