import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentConfigBody } from '../schemas.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import { configUsableBy, PREDEFINED_PREFIX, type DeploymentConfig } from '../../shared/domain/deployment-configs.js';
import { principalOf } from '../access.js';

export function deploymentConfigRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(CreateDeploymentConfigBody, req.body, 'deployment config');
    if (body.name.startsWith(PREDEFINED_PREFIX)) {
      throw new InvalidInputError('InvalidDeploymentConfigNameException', `Deployment config names may not start with ${PREDEFINED_PREFIX}.`);
    }
    const config: DeploymentConfig = {
      deploymentConfigName: body.name,
      deploymentConfigId: newUuid(),
      minimumHealthyHosts: body.minimumHealthyHosts,
      ...(body.trafficRoutingConfig ? { trafficRoutingConfig: body.trafficRoutingConfig } : {}),
      computePlatform: 'Server',
      createTime: deps.now().toISOString(),
      accountId: principalOf(req).accountId,
    };
    if (!(await deps.store.catalog.createDeploymentConfig(config))) {
      throw new ConflictError('DeploymentConfigAlreadyExistsException', `A deployment config named ${body.name} already exists.`);
    }
    res.status(201).json(config);
  });

  router.get('/', async (req, res) => {
    const { accountId } = principalOf(req);
    const all = await deps.store.catalog.listDeploymentConfigs();
    res.json({ deploymentConfigs: all.filter((c) => configUsableBy(c, accountId)) });
  });

  router.get('/:name', async (req, res) => {
    res.json(await requireDeploymentConfig(deps, req, req.params.name));
  });

  return router;
}

/** A predefined config, or a custom one of the caller's account; another account's is as if it did not exist. */
export async function requireDeploymentConfig(deps: ApiDeps, req: Request, name: string): Promise<DeploymentConfig> {
  const config = await deps.store.catalog.getDeploymentConfig(name);
  const missing = () => new NotFoundError('DeploymentConfigDoesNotExistException', `No deployment config named ${name}.`);
  // No grant reaches a config: another account's is simply not there.
  if (!config || !configUsableBy(config, principalOf(req).accountId)) throw missing();
  return config;
}
