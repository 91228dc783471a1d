/**
 * Git-host webhooks, outside the admin-token middleware: the host proves itself by signing the
 * raw body (GitHub) or sending the shared token (GitLab) with a secret from config. app.ts mounts
 * this router with a raw body parser before express.json, so the signature is checked over the
 * exact bytes received.
 *
 * Secrets rotate with an overlap: a request signed with a ref's previous secret is accepted until
 * that secret's `until` (shared/config.ts), then refused like any other bad signature.
 *
 *   bad or missing signature → 401, nothing recorded but a counter, nothing queued
 *   ping / other events / tag pushes / deletions / other branches / unknown repositories
 *                            → 200, recorded as Ignored with the reason
 *   a push a group deploys   → 202, recorded as Queued, one revision job (job id = delivery id),
 *                              an audit entry for each account owning a target group
 *   the same delivery again  → 200 {duplicate: true}, nothing more deployed
 */
import express, { Router, type Request, type Response } from 'express';
import type { ApiDeps } from '../context.js';
import { InvalidInputError, UnauthorizedError } from '../../shared/errors.js';
import type { GitHost } from '../../shared/git-hosts/git-host.js';
import { GIT_HOSTS } from '../../shared/git-hosts/hosts.js';
import { planPush } from '../../shared/git-hosts/plan-push.js';
import type { WebhookDelivery } from '../../shared/store/webhook-deliveries.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';
import { publicDelivery } from './webhooks-deliveries.js';
import { accountOf } from '../../shared/domain/access.js';
import { deliveryAuditWrites } from '../../shared/operations/audit-push.js';
import { clientAddress } from '../middleware/audit.js';

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

/** Mounted at /webhooks, before express.json. */
export function webhookRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(express.raw({ type: () => true, limit: deps.config.git.maxWebhookBytes }));
  router.post('/github', (req, res) => receive(deps, GIT_HOSTS.GitHub, req, res));
  router.post('/gitlab', (req, res) => receive(deps, GIT_HOSTS.GitLab, req, res));
  return router;
}

async function receive(deps: ApiDeps, host: GitHost, req: Request, res: Response): Promise<void> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const secretRef = await authenticate(deps, host, req, raw);
  if (!secretRef) {
    await deps.store.webhookDeliveries.countRefused(host.provider);
    throw new UnauthorizedError(`The ${host.provider} webhook signature is missing or matches no configured secret.`);
  }
  const deliveryId = host.deliveryId(req.headers);
  if (!deliveryId || !DELIVERY_ID.test(deliveryId)) {
    throw new InvalidInputError('InvalidWebhookDelivery', `The ${host.deliveryHeader} header is missing or malformed.`);
  }
  const eventName = host.eventName(req.headers);
  const event = host.parse(eventName, parsePayload(raw, req.headers['content-type']));
  const now = deps.now().toISOString();
  const base: WebhookDelivery = { deliveryId, provider: host.provider, event: eventName, receivedAt: now, updatedAt: now, status: 'Ignored', targets: [] };

  let delivery: WebhookDelivery;
  if (event.kind === 'ping') {
    delivery = { ...base, reason: 'ping: the webhook reaches Cutover and its secret matches; nothing to deploy.' };
  } else if (event.kind === 'other') {
    delivery = { ...base, repository: event.repository, reason: event.reason };
  } else {
    const { push } = event;
    const plan = planPush(host.provider, push, await allGroups(deps), secretRef);
    delivery = {
      ...base,
      repository: push.repository,
      ref: push.ref,
      branch: push.branch,
      commitId: push.commitId,
      pusher: push.pusher,
      headCommitMessage: push.headCommitMessage,
      cloneUrl: push.cloneUrl,
      ...('ignore' in plan
        ? { status: 'Ignored' as const, reason: plan.ignore }
        : {
            status: 'Queued' as const,
            targets: plan.deploy.map((g) => ({ applicationName: g.applicationName, deploymentGroupName: g.deploymentGroupName, status: 'Pending' as const })),
          }),
    };
  }

  if (!(await deps.store.webhookDeliveries.create(delivery))) {
    const first = await deps.store.webhookDeliveries.get(host.provider, deliveryId);
    // Recorded before but perhaps never queued (the api died in between): queueing again is harmless.
    if (first?.status === 'Queued') await enqueue(deps, first);
    res.status(200).json({ duplicate: true, delivery: first ? publicDelivery(first) : undefined });
    return;
  }
  if (delivery.status === 'Queued') {
    await enqueue(deps, delivery);
    await auditDelivery(deps, req, delivery);
  }
  req.log.info({ provider: host.provider, deliveryId, event: eventName, status: delivery.status, reason: delivery.reason }, 'webhook delivery');
  res.status(delivery.status === 'Queued' ? 202 : 200).json({ delivery: publicDelivery(delivery) });
}

/** The ref whose current secret, or previous one still inside its overlap window, signed the request. */
async function authenticate(deps: ApiDeps, host: GitHost, req: Request, raw: Buffer): Promise<string | undefined> {
  const { webhookSecrets, previousWebhookSecrets } = deps.config.git;
  const current = await host.authenticate(req.headers, raw, webhookSecrets);
  if (current) return current;
  const now = deps.now().getTime();
  const stillValid = Object.fromEntries(Object.entries(previousWebhookSecrets).filter(([, p]) => now < p.until.getTime()).map(([ref, p]) => [ref, p.secret]));
  if (Object.keys(stillValid).length === 0) return undefined;
  const previous = await host.authenticate(req.headers, raw, stillValid);
  if (previous) {
    const until = previousWebhookSecrets[previous].until.toISOString();
    req.log.warn({ provider: host.provider, secretRef: previous, until }, 'webhook signed with the previous secret; update the git host before it stops working');
  }
  return previous;
}

async function enqueue(deps: ApiDeps, delivery: WebhookDelivery): Promise<void> {
  await deps.queues.revisions.add('push', { provider: delivery.provider, deliveryId: delivery.deliveryId }, { jobId: `${delivery.provider}-${delivery.deliveryId}` });
}

/**
 * The accounts owning the groups a queued push deploys to each get an entry
 * (shared/operations/audit-push.ts). A failure is logged, not answered: the delivery is already
 * recorded and queued, and refusing it would only make the host send it again as a duplicate.
 */
async function auditDelivery(deps: ApiDeps, req: Request, delivery: WebhookDelivery): Promise<void> {
  try {
    const appNames = [...new Set(delivery.targets.map((t) => t.applicationName))];
    const apps = await Promise.all(appNames.map((name) => deps.store.catalog.getApplication(name)));
    const owners = apps.flatMap((app) => (app ? [accountOf(app)] : []));
    const input = { provider: delivery.provider, deliveryId: delivery.deliveryId, path: req.originalUrl.split('?', 1)[0], statusCode: 202, sourceIp: clientAddress(req), time: new Date(delivery.receivedAt) };
    await deps.store.audit.appendEach(deliveryAuditWrites(input, owners));
  } catch (err) {
    req.log.error({ err, deliveryId: delivery.deliveryId }, 'audit entry not written');
  }
}

/** JSON, or GitHub's form encoding (`payload=<json>`). */
function parsePayload(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  const json = contentType?.startsWith('application/x-www-form-urlencoded') ? (new URLSearchParams(text).get('payload') ?? '') : text;
  try {
    return JSON.parse(json);
  } catch {
    throw new InvalidInputError('InvalidRequestException', 'The webhook body is not valid JSON.');
  }
}

async function allGroups(deps: ApiDeps): Promise<DeploymentGroup[]> {
  const apps = await deps.store.catalog.listApplications();
  return (await Promise.all(apps.map((a) => deps.store.catalog.listDeploymentGroups(a.applicationName)))).flat();
}
