/**
 * GET /v1/deployments/:id/notifications: every notification delivery of a deployment, one per
 * (event, trigger, target), with its status and each attempt (no URL or secret in clear).
 */
import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { requireDeployment } from './deployments.js';

/** Mounted at /v1/deployments/:id/notifications. */
export function notificationRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (req, res) => {
    const { id } = req.params as { id: string };
    const state = await requireDeployment(deps, req, id);
    res.json({ notifications: await deps.store.notifications.listForDeployment(state.spec.deploymentId) });
  });

  return router;
}
