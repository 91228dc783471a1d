/**
 * Queue names and their job payloads, in one registry: a queue name fixes its payload type, so
 * producers and processors cannot disagree. Job ids are deterministic where a duplicate must be
 * impossible, and every job may run twice (processors reconcile; they never assume).
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export interface JobPayloads {
  /** Reconcile one deployment (start it, release hosts, close it); or, with name 'sweep', look for lost work. */
  scheduler: { deploymentId?: string };
  /** Walk one instance to its next lifecycle step. */
  instances: { deploymentId: string; instanceName: string };
  /** Blue/green traffic: name 'shift' applies the deployment's due weight step; 'alarms' evaluates its alarms. */
  traffic: { deploymentId: string; slot?: number };
  /** Send one notification (name 'send'); or, with name 'dispatch', turn new deployment events into sends. */
  notifications: { deliveryId?: string };
  /** Turn one accepted git-host push into a revision and its deployments. */
  revisions: { provider: 'GitHub' | 'GitLab'; deliveryId: string };
}
export type QueueName = keyof JobPayloads;
export const QUEUE_NAMES: readonly QueueName[] = ['scheduler', 'instances', 'traffic', 'notifications', 'revisions'];

export const SWEEP_SCHEDULER_ID = 'sweep';
export const NOTIFY_DISPATCH_SCHEDULER_ID = 'notify-dispatch';

/** How old a kick that holds back the next one must be before the sweeper checks it still exists. */
export const KICK_ORPHAN_CHECK_MS = 60_000;

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { count: 2000 },
  removeOnFail: { count: 5000 },
};

export class Queues {
  readonly scheduler: Queue<JobPayloads['scheduler']>;
  readonly instances: Queue<JobPayloads['instances']>;
  readonly traffic: Queue<JobPayloads['traffic']>;
  /** Attempts and backoff of sends come from the notifier's config (see workers/notifier). */
  readonly notifications: Queue<JobPayloads['notifications']>;
  readonly revisions: Queue<JobPayloads['revisions']>;

  constructor(connection: ConnectionOptions, prefix: string) {
    this.scheduler = new Queue('scheduler', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    this.instances = new Queue('instances', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    this.traffic = new Queue('traffic', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    this.notifications = new Queue('notifications', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    this.revisions = new Queue('revisions', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  }

  /**
   * Ask the scheduler to look at a deployment. At most one reconcile per deployment runs at a
   * time and at most one more waits behind it (keepLastIfActive), so a burst of finishing hosts
   * costs a couple of runs, and a change made during a run is never missed.
   */
  async reconcile(deploymentId: string): Promise<void> {
    await this.scheduler.add('reconcile', { deploymentId }, { deduplication: { id: `reconcile-${deploymentId}`, keepLastIfActive: true } });
  }

  /**
   * Look at a deployment again after `delayMs` (a blue/green ready wait or termination wait ends):
   * a delayed job with an id per reason, so asking twice schedules it once.
   */
  async reconcileLater(deploymentId: string, reason: string, delayMs: number): Promise<void> {
    await this.scheduler.add('reconcile', { deploymentId }, { jobId: `timer.${deploymentId}.${reason}`, delay: Math.max(0, Math.ceil(delayMs)) });
  }

  /**
   * Apply a blue/green deployment's weight step `step` when it is due. One job id per step, so a
   * worker that crashed and a reconcile that re-asks cannot apply a step twice (the step itself is
   * also idempotent: it checks the deployment's record).
   */
  async shiftStep(deploymentId: string, step: number, delayMs: number): Promise<void> {
    await this.traffic.add('shift', { deploymentId }, { jobId: `shift.${deploymentId}.${step}`, delay: Math.max(0, Math.ceil(delayMs)) });
  }

  /** Evaluate a blue/green deployment's alarms; `slot` numbers the evaluation periods. */
  async alarmCheck(deploymentId: string, slot: number, delayMs: number): Promise<void> {
    await this.traffic.add('alarms', { deploymentId, slot }, { jobId: `alarms.${deploymentId}.${slot}`, delay: Math.max(0, Math.ceil(delayMs)) });
  }

  async reconcileMany(deploymentIds: readonly string[]): Promise<void> {
    await Promise.all(deploymentIds.map((id) => this.reconcile(id)));
  }

  /**
   * Walk an instance on; `reason` makes the job id unique per trigger (a command id, a kick time).
   * `delayMs` makes it a timer (a traffic event's next look at the load balancer): a BullMQ delayed
   * job, so a worker crash loses no wait.
   */
  async advanceInstance(deploymentId: string, instanceName: string, reason: string, options: { delayMs?: number } = {}): Promise<void> {
    const delay = options.delayMs !== undefined && options.delayMs > 0 ? Math.ceil(options.delayMs) : undefined;
    await this.instances.add('advance', { deploymentId, instanceName }, { jobId: `${deploymentId}.${instanceName}.${reason}`, ...(delay ? { delay } : {}) });
  }

  /**
   * The sweeper's kick: walk an instance on, unless an earlier kick for the same (deployment,
   * instance) is still waiting, delayed for a retry or running. At 5000 hosts with the instance
   * queue backlogged, a kick per sweep piled up 20+ per host (docs/BENCHMARKS.md, F). Returns
   * whether a kick was added.
   *
   * BullMQ deduplication, simple mode (no ttl): the add SETs `…:instances:de:<id>` NX to the job
   * id; the key is deleted when that job completes or finally fails (moveToFinished, before
   * removeOnComplete/removeOnFail drop it), when it is removed, cleaned or drained, and a stalled
   * job keeps it until it runs again or fails for stalling too often — so a kick that ran and did
   * nothing (a gated blue/green target) is repeated by the next sweep, which a job id per target
   * version would not allow. The job id stays unique per kick.
   *
   * A key whose job hash vanished without BullMQ (a key deleted by hand, Redis data loss) would
   * block the kicks of that instance for good, and the kick is the safety net for a lost trigger:
   * so a kick held back by one older than KICK_ORPHAN_CHECK_MS checks that it still exists, and
   * frees the key (only if it still names that job) when it does not.
   */
  async kickInstance(deploymentId: string, instanceName: string, nowMs: number): Promise<boolean> {
    const data = { deploymentId, instanceName };
    const opts: JobsOptions = { jobId: `${deploymentId}.${instanceName}.kick-${nowMs}`, deduplication: { id: `kick.${deploymentId}.${instanceName}` } };
    // Deduplicated, `add` returns a Job whose id is the held kick's (and whose deduplication id is ours).
    const held = await this.instances.add('advance', data, opts);
    if (held.id === opts.jobId) return true;
    const heldSinceMs = Number(/\.kick-(\d+)$/.exec(held.id ?? '')?.[1] ?? 0);
    if (nowMs - heldSinceMs < KICK_ORPHAN_CHECK_MS) return false;
    // One O(1) look at the job's hash (every job has a timestamp), not a whole job read: under a
    // long backlog every idle host's kick is this old on every sweep.
    const client = await this.instances.client;
    if ((await client.hexists(this.instances.toKey(held.id!), 'timestamp')) === 1) return false;
    await held.removeDeduplicationKey();
    return (await this.instances.add('advance', data, opts)).id === opts.jobId;
  }

  async close(): Promise<void> {
    await Promise.all([this.scheduler.close(), this.instances.close(), this.traffic.close(), this.notifications.close(), this.revisions.close()]);
  }
}
