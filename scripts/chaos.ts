/**
 * `npm run chaos [-- --trials N --seed S --kinds k1,k2]`: SIGKILL the worker process at random
 * moments of in-place and blue/green deployments (and of the rollbacks that follow a failure or an
 * alarm, and around StopDeployment calls) and count the trials that still ended in the right final
 * state with every lifecycle event recorded exactly once (see scripts/chaos/world.ts and
 * scripts/chaos/blue-green.ts for what is checked). The trials cycle through the kinds (all of
 * them unless --kinds picks some). The last line is `RESULT chaos trials=<n> correct=<n>`; the
 * exit code is 0 only when every trial was correct.
 */
import { parseArgs } from 'node:util';
import { KINDS, killWindowMs, runTrial, seededRandom, startChaosWorld, stopChaosWorld, stopWindowMs, type TrialKind } from './chaos/world.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { trials: { type: 'string' }, seed: { type: 'string' }, kinds: { type: 'string' } }, strict: true });
  const trials = Number(values.trials ?? 20);
  const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
  const kinds = (values.kinds?.split(',') ?? [...KINDS]) as TrialKind[];
  if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(seed) || kinds.some((k) => !(KINDS as readonly string[]).includes(k))) {
    console.error(`usage: npm run chaos -- [--trials N] [--seed S] [--kinds ${KINDS.join(',')}]`);
    return 2;
  }
  const random = seededRandom(seed);
  console.log(`chaos: ${trials} trials of ${kinds.join(', ')}; seed ${seed} (repeat with --seed ${seed}${values.kinds ? ` --kinds ${values.kinds}` : ''})`);
  const world = await startChaosWorld('chaos', (line) => console.log(line), { blueGreen: kinds.some((k) => k.startsWith('blue-green')) });
  let correct = 0;
  try {
    for (let i = 0; i < trials; i++) {
      const kind = kinds[i % kinds.length];
      const killAtMs = Math.round(random() * killWindowMs(kind));
      const downForMs = Math.round(random() * 2000);
      const stopAtMs = 300 + Math.round(random() * stopWindowMs(kind));
      const result = await runTrial(world, kind, killAtMs, downForMs, stopAtMs);
      const ok = result.problems.length === 0;
      if (ok) correct++;
      const ids = result.rollbackId ? `${result.deploymentId} → rollback ${result.rollbackId}` : result.deploymentId;
      console.log(
        `trial ${String(i + 1).padStart(2)}/${trials} ${kind.padEnd(18)} kill at ${String(killAtMs).padStart(5)} ms, down ${String(downForMs).padStart(4)} ms` +
          `${stopWindowMs(kind) ? `, stop at ${stopAtMs} ms` : ''}: ` +
          `${ok ? 'ok' : 'WRONG'} in ${result.seconds.toFixed(1)} s (${ids}${result.note ? `; ${result.note}` : ''})`,
      );
      for (const problem of result.problems) console.log(`    - ${problem}`);
    }
  } finally {
    if (correct < trials) console.log(`logs of every process: ${world.sys.dir}/logs (kept: CUTOVER_KEEP_TEST_DIRS=1 keeps them after exit)`);
    await stopChaosWorld(world);
  }
  console.log(`RESULT chaos trials=${trials} correct=${correct}`);
  return correct === trials ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
