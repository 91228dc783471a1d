/**
 * Starts the fleet simulator as one or more processes, each hosting a slice of the hosts (at most
 * `perProcess`): one process per host would be the real thing, one process for everything runs
 * out of file descriptors (every agent holds a long poll, a script log and its reports) and
 * of a single core. Waits until every agent has registered, printing progress with what the
 * control plane spends meanwhile.
 */
import { cpuSeconds, readCpu, readMemory } from './lib/proc.js';
import { loadText } from './lib/machine.js';
import { nextMessage, startNode, type Child } from './lib/processes.js';
import type { ControlPlane } from './lib/control-plane.js';

export interface SimulatorsOptions {
  cp: ControlPlane;
  hosts: number;
  perProcess: number;
  rootDir: string;
  hooks: 'noop' | 'script';
  /** Host names are `h-1` … `h-N`, tagged fleet=<this>. */
  fleetTag: string;
}

/** Sizes of `parts` slices of `total`, as even as can be. */
export function slices(total: number, perProcess: number): number[] {
  const parts = Math.max(1, Math.ceil(total / Math.max(1, perProcess)));
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

export async function startSimulators(o: SimulatorsOptions): Promise<{ sims: Child[]; seconds: number }> {
  const t0 = Date.now();
  const sims: Child[] = [];
  let first = 1;
  for (const [i, count] of slices(o.hosts, o.perProcess).entries()) {
    sims.push(
      startNode(
        `simulator-${i + 1}`,
        'scripts/bench/simulator-main.ts',
        ['--api', o.cp.apiUrl, '--enroll-token', o.cp.enrollToken, '--count', String(count), '--first', String(first), '--name-prefix', 'h', '--tag', `fleet=${o.fleetTag}`, '--root', o.rootDir, '--hooks', o.hooks],
        { logDir: o.cp.logDir, ipc: true, env: { LOG_LEVEL: 'warn', UV_THREADPOOL_SIZE: '8' } },
      ),
    );
    first += count;
  }
  const started = new Map<Child, number>();
  let last = { at: Date.now(), cpu: cpuSeconds(await readCpu(o.cp.child.pid)) };
  for (const sim of sims) {
    sim.proc.on('message', (m: { type?: string; started?: number }) => {
      if (m.type !== 'progress') return;
      started.set(sim, m.started ?? 0);
      void Promise.all([readCpu(o.cp.child.pid), readMemory(o.cp.child.pid), ...sims.map((s) => readMemory(s.pid))]).then(
        ([cpu, cpMem, ...simMems]) => {
          const now = { at: Date.now(), cpu: cpuSeconds(cpu as Awaited<ReturnType<typeof readCpu>>) };
          const pct = (100 * (now.cpu - last.cpu)) / Math.max(0.001, (now.at - last.at) / 1000);
          last = now;
          const total = [...started.values()].reduce((a, b) => a + b, 0);
          const simRss = (simMems as { rssMb: number }[]).reduce((a, m) => a + m.rssMb, 0);
          console.log(
            `  simulators: ${total} agents started after ${((Date.now() - t0) / 1000).toFixed(0)} s; control plane ${pct.toFixed(0)} % of a core since the last line, ` +
              `RSS ${(cpMem as { rssMb: number }).rssMb.toFixed(0)} MB; simulators RSS ${simRss.toFixed(0)} MB; ${loadText()}`,
          );
        },
        () => undefined,
      );
    });
  }
  const readies = await Promise.all(
    sims.map((sim) => nextMessage<{ type: 'ready'; started: number; failed: number }>(sim, 'ready', 120_000 + o.hosts * 200)),
  );
  const failed = readies.reduce((a, r) => a + r.failed, 0);
  if (failed > 0) throw new Error(`${failed} simulated agents did not start; see ${sims.map((s) => s.logFile).join(', ')}`);
  return { sims, seconds: (Date.now() - t0) / 1000 };
}

export async function stopSimulators(sims: readonly Child[]): Promise<void> {
  await Promise.all(
    sims.map(async (sim) => {
      sim.proc.send?.({ type: 'stop' });
      await Promise.race([sim.exited, new Promise((r) => setTimeout(r, 20_000))]);
      await sim.stop(5000);
    }),
  );
}
