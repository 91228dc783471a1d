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
 *   path `/v1/deployments/<id>`, the deployment id. It is written where the deployment is created,
 *   in createDeployment, only when it was created (a retried job that finds its deployment again
 *   writes nothing); there is no client address there, so sourceIp is `revision-worker`.
 *
 * Ignored deliveries (pings, other branches) write nothing any account owns and are not audited
 * (GET /v1/webhook-deliveries lists them); badly signed ones name no account (a counter counts them).
 */
import { DEFAULT_ACCOUNT } from '../domain/access.js';
import type { DeploymentSpec } from '../domain/types.js';
import type { GitProvider } from '../domain/triggers.js';
import type { Store } from '../store/index.js';
import type { AuditEntry } from '../store/audit.js';

const GIT_PROVIDERS: readonly string[] = ['GitHub', 'GitLab'] satisfies GitProvider[];

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

/** createDeployment made a deployment: audit it when a git host's push asked for it. */
export async function auditPushDeployment(store: Store, spec: DeploymentSpec, now: Date): Promise<void> {
  if (!GIT_PROVIDERS.includes(spec.creator)) return;
  const accountId = spec.accountId ?? DEFAULT_ACCOUNT;
  await store.audit.append([accountId], {
    time: now.toISOString(),
    tokenId: webhookActor(spec.creator as GitProvider),
    accountId,
    action: 'CreateDeployment',
    path: `/v1/deployments/${spec.deploymentId}`,
    statusCode: 201,
    sourceIp: 'revision-worker',
    deploymentId: spec.deploymentId,
  });
}
