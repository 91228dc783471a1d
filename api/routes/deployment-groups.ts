import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentGroupBody } from '../schemas.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import { DEFAULT_DEPLOYMENT_CONFIG } from '../../shared/domain/deployment-configs.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';
import { requireApplication } from './applications.js';
import { requireDeploymentConfig } from './deployment-configs.js';

/** Mounted at /v1/applications/:app/deployment-groups. */
export function deploymentGroupRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.post('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    const body = parseInput(CreateDeploymentGroupBody, req.body, 'deployment group');
    const configName = body.deploymentConfigName ?? DEFAULT_DEPLOYMENT_CONFIG;
    await requireDeploymentConfig(deps, configName);
    const group: DeploymentGroup = {
      applicationName: app,
      deploymentGroupName: body.name,
      deploymentGroupId: newUuid(),
      deploymentConfigName: configName,
      instanceTagFilters: body.instanceTagFilters,
      instanceTagSet: body.instanceTagSet,
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      createTime: deps.now().toISOString(),
    };
    if (!(await deps.store.catalog.createDeploymentGroup(group))) {
      throw new ConflictError('DeploymentGroupAlreadyExistsException', `Application ${app} already has a deployment group named ${body.name}.`);
    }
    res.status(201).json(group);
  });

  router.get('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    res.json({ deploymentGroups: await deps.store.catalog.listDeploymentGroups(app) });
  });

  router.get('/:group', async (req, res) => {
    const { app, group } = req.params as { app: string; group: string };
    res.json(await requireDeploymentGroup(deps, app, group));
  });

  return router;
}

export async function requireDeploymentGroup(deps: ApiDeps, app: string, name: string): Promise<DeploymentGroup> {
  await requireApplication(deps, app);
  const group = await deps.store.catalog.getDeploymentGroup(app, name);
  if (!group) throw new NotFoundError('DeploymentGroupDoesNotExistException', `Application ${app} has no deployment group named ${name}.`);
  return group;
}
