/**
 * GET /v1/webhook-deliveries: what became of each git-host delivery, newest first (why it was
 * ignored, the revision, the deployments it made or why it failed), and how many requests were
 * refused for a bad signature. GET /v1/webhook-deliveries/:provider/:deliveryId: one of them.
 */
import { Router } from 'express';
import * as z from 'zod';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { NotFoundError } from '../../shared/errors.js';
import { scrub } from '../../shared/notifications/mask.js';
import type { WebhookDelivery } from '../../shared/store/webhook-deliveries.js';

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  provider: z.enum(['GitHub', 'GitLab']).optional(),
  status: z.enum(['Queued', 'Deployed', 'Failed', 'Ignored']).optional(),
});

/** A delivery as the API shows it: a clone URL with credentials in it shows them masked. */
export function publicDelivery(delivery: WebhookDelivery): WebhookDelivery {
  return delivery.cloneUrl ? { ...delivery, cloneUrl: scrub(delivery.cloneUrl, []) } : delivery;
}

/** Mounted at /v1/webhook-deliveries. */
export function webhookDeliveryRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = parseInput(ListQuery, req.query, 'query');
    const all = await deps.store.webhookDeliveries.list(query.provider || query.status ? 5000 : query.limit);
    const shown = all.filter((d) => (!query.provider || d.provider === query.provider) && (!query.status || d.status === query.status)).slice(0, query.limit);
    res.json({ webhookDeliveries: shown.map(publicDelivery), refused: await deps.store.webhookDeliveries.refusedCounts() });
  });

  router.get('/:provider/:deliveryId', async (req, res) => {
    const { provider, deliveryId } = req.params as { provider: string; deliveryId: string };
    const p = provider.toLowerCase() === 'github' ? 'GitHub' : provider.toLowerCase() === 'gitlab' ? 'GitLab' : undefined;
    const delivery = p ? await deps.store.webhookDeliveries.get(p, deliveryId) : undefined;
    if (!delivery) throw new NotFoundError('WebhookDeliveryDoesNotExistException', `No ${provider} webhook delivery ${deliveryId}.`);
    res.json(publicDelivery(delivery));
  });

  return router;
}
