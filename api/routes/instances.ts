import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { NotFoundError } from '../../shared/errors.js';

export function instanceRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json({ instances: await deps.store.instances.list() });
  });

  router.get('/:name', async (req, res) => {
    const instance = await deps.store.instances.get(req.params.name);
    if (!instance) throw new NotFoundError('InstanceNotRegisteredException', `No instance named ${req.params.name}.`);
    // The revision each deployment group last installed here successfully (what it runs now).
    res.json({ ...instance, deployedRevisions: await deps.store.control.revisionsOf(instance.instanceName) });
  });

  /** Deregister: the host is no longer targeted and its agent token stops working (CodeDeploy's DeregisterOnPremisesInstance). */
  router.delete('/:name', async (req, res) => {
    const instance = await deps.store.instances.deregister(req.params.name, deps.now());
    if (!instance) throw new NotFoundError('InstanceNotRegisteredException', `No instance named ${req.params.name}.`);
    res.json(instance);
  });

  return router;
}
