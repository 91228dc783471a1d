import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentConfigBody } from '../schemas.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import { PREDEFINED_PREFIX, type DeploymentConfig } from '../../shared/domain/deployment-configs.js';

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
    };
    if (!(await deps.store.catalog.createDeploymentConfig(config))) {
      throw new ConflictError('DeploymentConfigAlreadyExistsException', `A deployment config named ${body.name} already exists.`);
    }
    res.status(201).json(config);
  });

  router.get('/', async (_req, res) => {
    res.json({ deploymentConfigs: await deps.store.catalog.listDeploymentConfigs() });
  });

  router.get('/:name', async (req, res) => {
    res.json(await requireDeploymentConfig(deps, req.params.name));
  });

  return router;
}

export async function requireDeploymentConfig(deps: ApiDeps, name: string): Promise<DeploymentConfig> {
  const config = await deps.store.catalog.getDeploymentConfig(name);
  if (!config) throw new NotFoundError('DeploymentConfigDoesNotExistException', `No deployment config named ${name}.`);
  return config;
}
