/**
 * What a fleet case's CPU says beyond its wall clock (pure; unit-tested in test/unit/bench.test.ts).
 *
 * - `floorSeconds`: every process of the case (control plane, simulated agents, Redis) shares the
 *   machine's cores, so the case cannot finish sooner than their CPU seconds spread over every
 *   core. When the measured time is close to it, the case was CPU-bound: only less CPU makes it
 *   faster, and a target below the floor cannot be met on this machine.
 * - `overheadRatio`: the control plane's and Redis' CPU against raw BullMQ's (its process and
 *   Redis) for the same number of lifecycle events. The agents' own work is left out on both
 *   sides, so this is Cutover's orchestration cost per event against the queue alone, whatever
 *   the simulator cost and whatever else ran on the machine meanwhile.
 */
export interface CaseCpu {
  controlPlaneSeconds: number;
  agentsSeconds: number;
  redisSeconds: number;
}

export interface BaselineCpu {
  processSeconds: number;
  redisSeconds: number;
}

export interface CpuBudget {
  floorSeconds: number;
  overheadRatio: number;
}

export function cpuBudget(cutover: CaseCpu, baseline: BaselineCpu, cores: number): CpuBudget {
  const total = cutover.controlPlaneSeconds + cutover.agentsSeconds + cutover.redisSeconds;
  const baselineTotal = baseline.processSeconds + baseline.redisSeconds;
  return {
    floorSeconds: total / Math.max(1, cores),
    overheadRatio: baselineTotal > 0 ? (cutover.controlPlaneSeconds + cutover.redisSeconds) / baselineTotal : NaN,
  };
}
