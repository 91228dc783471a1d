/**
 * Audit entries for the writes a git host makes: it has no token, so the actor is
 * `webhook:github` / `webhook:gitlab` and the log is the owning application's account's. Two
 * moments are recorded, because a push deploys in two steps:
 *
 * - the api accepts the signed delivery and queues it (api/routes/webhooks.ts): action
 *   `POST /webhooks/github`, status 202, the host's address, the delivery id — one entry in
 *   each account that owns a target group;
 * - the revision worker (workers/revision/process-push.ts) creates each deployment through
 *   createDeployment: action `CreateDeployment` (CodeDeploy's API name, as CloudTrail logs it),
 *   path `/v1/deployments/<id>`, the deployment id. The worker writes it only when the deployment
 *   was created (a retried job that finds its deployment again writes nothing), after its
 *   reconcile is queued; there is no client address there, so sourceIp is `revision-worker`.
 *
 * Ignored deliveries (pings, other branches) write nothing any account owns and are not audited
 * (GET /v1/webhook-deliveries lists them); badly signed ones name no account (a counter counts them).
 */
import type { GitProvider } from '../domain/triggers.js';
import type { Store } from '../store/index.js';
import type { AuditEntry } from '../store/audit.js';

export function webhookActor(provider: GitProvider): string {
  return `webhook:${provider.toLowerCase()}`;
}

/** The api accepted and queued a push that deploys to groups of these accounts: one entry in each. */
export function deliveryAuditWrites(
  input: { provider: GitProvider; deliveryId: string; path: string; statusCode: number; sourceIp: string; time: Date },
  ownerAccountIds: readonly string[],
): { accountId: string; entry: AuditEntry }[] {
  return [...new Set(ownerAccountIds)].map((accountId) => ({
    accountId,
    entry: {
      time: input.time.toISOString(),
      tokenId: webhookActor(input.provider),
      accountId,
      action: `POST ${input.path}`,
      path: input.path,
      statusCode: input.statusCode,
      sourceIp: input.sourceIp,
      deliveryId: input.deliveryId,
    },
  }));
}

/** A push's deployment was created (not found again by a retried job): one entry in its owner's log. */
export async function auditPushDeployment(store: Store, made: { provider: GitProvider; deploymentId: string; accountId: string }, now: Date): Promise<void> {
  await store.audit.append([made.accountId], {
    time: now.toISOString(),
    tokenId: webhookActor(made.provider),
    accountId: made.accountId,
    action: 'CreateDeployment',
    path: `/v1/deployments/${made.deploymentId}`,
    statusCode: 201,
    sourceIp: 'revision-worker',
    deploymentId: made.deploymentId,
  });
}
