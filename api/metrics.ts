/**
 * GET /metrics (Prometheus text, prom-client). The api is the one place Prometheus scrapes, so
 * what other processes do is read from Redis at scrape time, where it is already kept:
 *
 *   cutover_deployments{status}                        deployments by current status
 *   cutover_lifecycle_event_duration_seconds{event,status}  host lifecycle events, as agents report them ending
 *   cutover_queue_jobs{queue,state}                    BullMQ job counts per queue and state
 *   cutover_queue_jobs_completed_total{queue}          BullMQ's own counters (the workers keep them in Redis)
 *   cutover_queue_jobs_failed_total{queue}
 *   cutover_agents{status}                             Online / Offline (silent past the heartbeat timeout) / Deregistered
 *   cutover_notification_deliveries_total{outcome}     Succeeded / Failed / Cancelled
 *   cutover_http_request_duration_seconds{method,route,status}  (long polls and event streams left out)
 *   cutover_event_streams                              open SSE streams on this api process
 * plus Node's default process metrics. Histograms observed here are per api process (sum them);
 * the gauges read from Redis are the same on every replica (take one, or max).
 */
import type { RequestHandler } from 'express';
import { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../shared/config.js';
import type { Store } from '../shared/store/index.js';
import { QUEUE_NAMES } from '../shared/queues.js';
import { DeploymentStatus } from '../shared/domain/statuses.js';
import type { LifecycleEvent } from '../shared/domain/types.js';
import type { SseClients } from './routes/events-sse.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'completed', 'failed'] as const;

export class ApiMetrics {
  readonly registry = new Registry();
  /** One BullMQ Queue per queue name, on the store's connection (also what the queue board shows). */
  readonly queues: Queue[];
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly eventDuration: Histogram<'event' | 'status'>;
  /** Counting every deployment's status is a scan: concurrent scrapes share the one in flight. */
  private statusScan: Promise<Map<string, number>> | undefined;

  constructor(
    private readonly store: Store,
    config: Pick<Config, 'heartbeatTimeoutMs'>,
    sse?: SseClients,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: store.redis, prefix: store.keys.bullPrefix }));

    this.httpDuration = new Histogram({
      name: 'cutover_http_request_duration_seconds',
      help: 'REST and agent-protocol requests by route pattern (long polls and event streams excluded)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.eventDuration = new Histogram({
      name: 'cutover_lifecycle_event_duration_seconds',
      help: 'Lifecycle events run by agents, from start to end, by event and outcome',
      labelNames: ['event', 'status'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });

    const metrics = this;
    new Gauge({
      name: 'cutover_deployments',
      help: 'Deployments by current status',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await metrics.deploymentStatuses();
        for (const status of Object.values(DeploymentStatus)) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'cutover_agents',
      help: 'Registered instances by agent status: Online (polled within the heartbeat timeout), Offline, Deregistered',
      labelNames: ['status'],
      registers,
      async collect() {
        const now = Date.now();
        const counts = { Online: 0, Offline: 0, Deregistered: 0 };
        for (const i of await store.instances.list()) {
          if (i.registrationStatus === 'Deregistered') counts.Deregistered++;
          else if (i.lastSeenAt && now - Date.parse(i.lastSeenAt) <= config.heartbeatTimeoutMs) counts.Online++;
          else counts.Offline++;
        }
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'cutover_queue_jobs',
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        for (const queue of metrics.queues) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
    for (const type of ['completed', 'failed'] as const) {
      new Counter({
        name: `cutover_queue_jobs_${type}_total`,
        help: `Jobs ${type} per queue (failed = out of attempts), as BullMQ counts them in Redis`,
        labelNames: ['queue'],
        registers,
        async collect() {
          this.reset();
          for (const queue of metrics.queues) this.inc({ queue: queue.name }, (await queue.getMetrics(type, 0, 0)).meta.count ?? 0);
        },
      });
    }
    new Counter({
      name: 'cutover_notification_deliveries_total',
      help: 'Notification deliveries that reached a final outcome',
      labelNames: ['outcome'],
      registers,
      async collect() {
        this.reset();
        const counts = await store.redis.hgetall(store.keys.notificationOutcomes);
        for (const outcome of ['Succeeded', 'Failed', 'Cancelled']) this.inc({ outcome }, Number(counts[outcome] ?? 0));
      },
    });
    new Gauge({
      name: 'cutover_event_streams',
      help: 'Server-Sent Event streams open on this api process',
      registers,
      collect() {
        this.set(sse?.count ?? 0);
      },
    });
  }

  /** Express middleware timing every request by its route pattern (not its URL: ids would explode the label set). */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        if (req.path === '/agent/v1/poll' || String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      });
      next();
    };
  }

  lifecycleEventsEnded(events: readonly LifecycleEvent[]): void {
    for (const e of events) {
      if (!e.startTime || !e.endTime) continue;
      const seconds = (Date.parse(e.endTime) - Date.parse(e.startTime)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) this.eventDuration.observe({ event: e.lifecycleEventName, status: e.status }, seconds);
    }
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async close(): Promise<void> {
    // The queues share the store's connection; closing them releases nothing else.
    await Promise.all(this.queues.map((q) => q.close()));
  }

  private deploymentStatuses(): Promise<Map<string, number>> {
    this.statusScan ??= this.scanStatuses().finally(() => (this.statusScan = undefined));
    return this.statusScan;
  }

  private async scanStatuses(): Promise<Map<string, number>> {
    const { redis, keys } = this.store;
    const counts = new Map<string, number>();
    const total = await redis.zcard(keys.deployments);
    for (let start = 0; start < total; start += 1000) {
      const ids = await redis.zrange(keys.deployments, start, start + 999);
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(keys.deployment(id), 'status');
      for (const [, status] of (await pipeline.exec()) ?? []) {
        if (typeof status === 'string') counts.set(status, (counts.get(status) ?? 0) + 1);
      }
    }
    return counts;
  }
}
