/**
 * Active health checks: each registered target (in service or draining, like HAProxy) gets
 * `GET <path>` every interval on a fresh connection (so a closed listener shows at once), with a
 * timeout; 200–399 passes. Healthy/unhealthy thresholds are applied by Target.recordCheck. The
 * first check runs at once, so a registered target becomes healthy after
 * (healthyThreshold − 1) intervals.
 */
import http from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { Pool, Target } from './pool.js';

export class HealthChecker {
  private readonly timers = new Map<Target, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  /** (Re)start checking a target; call after every upsert that reset it. */
  watch(pool: Pool, target: Target): void {
    this.unwatch(target);
    const generation = target.generation;
    const tick = async () => {
      if (this.stopped || pool.targets.get(target.id) !== target || target.generation !== generation) return;
      const result = await check(target);
      if (this.stopped || pool.targets.get(target.id) !== target || target.generation !== generation) return;
      const before = target.health;
      if (target.recordCheck(result)) {
        this.log.info({ pool: pool.name, target: target.id, from: before, to: target.health, detail: result.detail }, 'target health changed');
      }
      this.timers.set(target, setTimeout(tick, target.healthCheck.intervalSeconds * 1000));
    };
    this.timers.set(target, setTimeout(tick, 0));
  }

  unwatch(target: Target): void {
    const timer = this.timers.get(target);
    if (timer) clearTimeout(timer);
    this.timers.delete(target);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

function check(target: Target): Promise<{ at: Date; ok: boolean; detail: string }> {
  const { path, timeoutSeconds } = target.healthCheck;
  const started = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ at: new Date(), ok, detail });
    };
    const req = http.get({ host: target.address.host, port: target.address.port, path, agent: false, headers: { 'user-agent': 'cutover-router-health-check' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish(status >= 200 && status < 400, `GET ${path} answered ${status} in ${Date.now() - started} ms`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, `GET ${path}: ${err.code ?? err.message}`));
    const timer = setTimeout(() => finish(false, `GET ${path}: no answer within ${timeoutSeconds} s`), timeoutSeconds * 1000);
  });
}
