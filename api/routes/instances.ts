import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { NotFoundError } from '../../shared/errors.js';
import type { InstanceInfo } from '../../shared/domain/types.js';
import { authorize, principalOf } from '../access.js';
import { accountOf } from '../../shared/domain/access.js';

export function instanceRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { accountId } = principalOf(req);
    res.json({ instances: (await deps.store.instances.list()).filter((i) => accountOf(i) === accountId) });
  });

  router.get('/:name', async (req, res) => {
    const instance = await requireInstance(deps, req, req.params.name);
    // The revision each deployment group last installed here successfully (what it runs now).
    res.json({ ...instance, deployedRevisions: await deps.store.control.revisionsOf(instance.instanceName) });
  });

  /** Deregister: the host is no longer targeted and its agent token stops working (CodeDeploy's DeregisterOnPremisesInstance). */
  router.delete('/:name', async (req, res) => {
    await requireInstance(deps, req, req.params.name);
    const instance = await deps.store.instances.deregister(req.params.name, deps.now());
    if (!instance) throw notRegistered(req.params.name)();
    res.json(instance);
  });

  return router;
}

const notRegistered = (name: string) => () => new NotFoundError('InstanceNotRegisteredException', `No instance named ${name}.`);

/** An instance of the caller's account; another account's is as if it were not registered. */
async function requireInstance(deps: ApiDeps, req: Request, name: string): Promise<InstanceInfo> {
  const instance = await deps.store.instances.get(name);
  if (!instance) throw notRegistered(name)();
  await authorize(deps, req, { accountId: accountOf(instance) }, notRegistered(name));
  return instance;
}
