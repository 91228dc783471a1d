/**
 * The revision worker's job: an accepted push becomes a revision and its deployments.
 *
 *   fetch the commit (git cache) → archive exactly that commit as tar.gz → it must have an
 *   appspec.yml that parses → store it in the artifact store by digest → register a revision of
 *   type GitHub/GitLab {repository, commitId} in each target group's application → create one
 *   deployment per target group (creator GitHub/GitLab) → record the outcome on the delivery.
 *
 * Idempotent: a retry archives the same bytes again (same digest), registering keeps the first
 * record, and each deployment is created with a clientToken derived from the delivery and the
 * group, so a job that dies after creating a deployment finds it again instead of making a
 * second one. A permanent problem (no or bad appspec, a clone URL that is not allowed) fails the
 * delivery at once with the reason; git trouble is retried, and fails it after the last attempt.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { Queues, JobPayloads } from '../../shared/queues.js';
import type { Store } from '../../shared/store/index.js';
import type { ArtifactStore } from '../../shared/artifacts/artifact-store.js';
import type { WebhookDelivery } from '../../shared/store/webhook-deliveries.js';
import { CutoverError } from '../../shared/errors.js';
import { createDeployment } from '../../shared/operations/create-deployment.js';
import { auditPushDeployment } from '../../shared/operations/audit-push.js';
import { eventTimeouts, readBundleAppSpec } from '../../shared/operations/inspect-bundle.js';
import type { LifecycleEventName } from '../../shared/domain/lifecycle.js';
import { GitError, type GitCache } from './git-cache.js';

export interface RevisionDeps {
  store: Store;
  queues: Queues;
  config: Config;
  log: Logger;
  artifacts: ArtifactStore;
  git: GitCache;
  now: () => Date;
}

/** A reason the push can never deploy; no retry. */
class PushRefused extends Error {}

interface Archived {
  digest: string;
  size: number;
  eventTimeoutSeconds: Partial<Record<LifecycleEventName, number>>;
}

export async function processPush(deps: RevisionDeps, job: Job<JobPayloads['revisions']>): Promise<void> {
  const { provider, deliveryId } = job.data;
  const delivery = await deps.store.webhookDeliveries.get(provider, deliveryId);
  if (!delivery || delivery.status !== 'Queued') return;
  const log = deps.log.child({ provider, deliveryId, repository: delivery.repository, commitId: delivery.commitId });
  try {
    const archived = await archivePush(deps, delivery);
    await deployTargets(deps, delivery, archived);
    delivery.revision = { digest: archived.digest, size: archived.size };
    delivery.status = delivery.targets.some((t) => t.status === 'Deployed') ? 'Deployed' : 'Failed';
    if (delivery.status === 'Failed') delivery.reason = delivery.targets.map((t) => t.reason).filter(Boolean).join(' ');
    delivery.updatedAt = deps.now().toISOString();
    await deps.store.webhookDeliveries.save(delivery);
    log.info({ deployments: delivery.targets.map((t) => t.deploymentId).filter(Boolean) }, 'push deployed');
  } catch (err) {
    const permanent = err instanceof PushRefused || err instanceof CutoverError || (err instanceof GitError && !err.retryable);
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const reason = (err as Error).message;
    if (!permanent && !last) {
      log.warn({ reason, attempt: job.attemptsMade + 1 }, 'push not processed yet; will retry');
      throw err;
    }
    delivery.status = 'Failed';
    delivery.reason = reason;
    for (const target of delivery.targets) if (target.status === 'Pending') Object.assign(target, { status: 'Failed', reason });
    delivery.updatedAt = deps.now().toISOString();
    await deps.store.webhookDeliveries.save(delivery);
    log.warn({ reason }, 'push failed');
    throw new UnrecoverableError(reason);
  }
}

async function archivePush(deps: RevisionDeps, delivery: WebhookDelivery): Promise<Archived> {
  const first = delivery.targets[0];
  const group = first ? await deps.store.catalog.getDeploymentGroup(first.applicationName, first.deploymentGroupName) : undefined;
  const cloneUrl = group?.gitSource?.cloneUrl ?? delivery.cloneUrl;
  const { commitId, repository, branch } = delivery;
  if (!cloneUrl || !commitId || !branch) throw new PushRefused('The push names no clone URL, branch or commit, and the deployment group gives no cloneUrl.');
  const staged = await deps.artifacts.stagingPath();
  try {
    const { digest, size } = await deps.git.archiveCommit(cloneUrl, branch, commitId, staged);
    let appspec;
    try {
      appspec = await readBundleAppSpec(staged, 'tgz', deps.config.bundleLimits);
    } catch (err) {
      throw new PushRefused(`Commit ${commitId} of ${repository}: ${(err as Error).message}`);
    }
    if (!appspec) throw new PushRefused(`Commit ${commitId} of ${repository} has no appspec.yml at its root, so it cannot be deployed.`);
    await deps.artifacts.commit(staged, digest);
    return { digest, size, eventTimeoutSeconds: eventTimeouts(appspec) };
  } finally {
    await deps.artifacts.discard(staged);
  }
}

async function deployTargets(deps: RevisionDeps, delivery: WebhookDelivery, archived: Archived): Promise<void> {
  const provider = delivery.provider;
  const registered = new Set<string>();
  for (const target of delivery.targets) {
    if (target.status !== 'Pending') continue;
    const app = target.applicationName;
    if (!registered.has(app)) {
      await deps.store.catalog.registerRevision({
        applicationName: app,
        revision: { revisionType: provider, repository: delivery.repository ?? '', commitId: delivery.commitId ?? '', digest: archived.digest },
        bundleType: 'tgz',
        size: archived.size,
        eventTimeoutSeconds: archived.eventTimeoutSeconds,
        registerTime: deps.now().toISOString(),
      });
      registered.add(app);
    }
    try {
      const { created, deploymentId, accountId } = await createDeployment(deps, {
        applicationName: app,
        deploymentGroupName: target.deploymentGroupName,
        digest: archived.digest,
        creator: provider,
        description: describePush(delivery),
        clientToken: clientTokenFor(delivery, target.deploymentGroupName),
      });
      if (created) await auditPushDeployment(deps.store, { provider, deploymentId, accountId }, deps.now());
      Object.assign(target, { status: 'Deployed', deploymentId });
    } catch (err) {
      if (!(err instanceof CutoverError)) throw err;
      Object.assign(target, { status: 'Failed', reason: err.message });
    }
  }
}

function describePush(delivery: WebhookDelivery): string {
  const text = `${delivery.provider} push to ${delivery.branch}${delivery.pusher ? ` by ${delivery.pusher}` : ''}${delivery.headCommitMessage ? `: ${delivery.headCommitMessage}` : ''}`;
  return text.slice(0, 256);
}

/** The same delivery and group always make the same token, so a retried job finds its deployment. */
export function clientTokenFor(delivery: Pick<WebhookDelivery, 'provider' | 'deliveryId'>, groupName: string): string {
  return `push-${createHash('sha256').update(`${delivery.provider}\0${delivery.deliveryId}\0${groupName}`).digest('hex').slice(0, 40)}`;
}
