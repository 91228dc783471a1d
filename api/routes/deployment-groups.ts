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
import { withRedactedLoadBalancer } from '../load-balancer-schema.js';
import { publicGroup } from '../../shared/notifications/mask.js';
import { checkGroupSettings } from '../../shared/notifications/check-settings.js';
import { groupInstances, groupStatus } from './group-status.js';

/** A group as the API shows it: no load-balancer token, no webhook URL or secret in clear. */
function shown(group: DeploymentGroup): DeploymentGroup {
  return publicGroup(withRedactedLoadBalancer(group));
}

/** Mounted at /v1/applications/:app/deployment-groups. */
export function deploymentGroupRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.post('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    const body = parseInput(CreateDeploymentGroupBody, req.body, 'deployment group');
    const configName = body.deploymentConfigName ?? DEFAULT_DEPLOYMENT_CONFIG;
    await requireDeploymentConfig(deps, configName);
    checkGroupSettings(deps.config, body.triggerConfigurations, body.gitSource);
    const group: DeploymentGroup = {
      applicationName: app,
      deploymentGroupName: body.name,
      deploymentGroupId: newUuid(),
      deploymentConfigName: configName,
      instanceTagFilters: body.instanceTagFilters,
      instanceTagSet: body.instanceTagSet,
      deploymentStyle: body.deploymentStyle,
      ...(body.loadBalancerInfo ? { loadBalancerInfo: body.loadBalancerInfo } : {}),
      ...(body.triggerConfigurations ? { triggerConfigurations: body.triggerConfigurations } : {}),
      ...(body.gitSource ? { gitSource: body.gitSource } : {}),
      ...(body.autoRollbackConfiguration ? { autoRollbackConfiguration: body.autoRollbackConfiguration } : {}),
      createTime: deps.now().toISOString(),
    };
    if (!(await deps.store.catalog.createDeploymentGroup(group))) {
      throw new ConflictError('DeploymentGroupAlreadyExistsException', `Application ${app} already has a deployment group named ${body.name}.`);
    }
    res.status(201).json(shown(group));
  });

  router.get('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, app);
    const groups = await deps.store.catalog.listDeploymentGroups(app);
    res.json({ deploymentGroups: await Promise.all(groups.map(async (g) => ({ ...shown(g), ...(await groupStatus(deps, g)) }))) });
  });

  router.get('/:group', async (req, res) => {
    const { app, group } = req.params as { app: string; group: string };
    const found = await requireDeploymentGroup(deps, app, group);
    res.json({ ...shown(found), ...(await groupStatus(deps, found)) });
  });

  /** Each targeted instance with the revision it runs for this group, and whether it is outdated. */
  router.get('/:group/instances', async (req, res) => {
    const { app, group } = req.params as { app: string; group: string };
    res.json(await groupInstances(deps, await requireDeploymentGroup(deps, app, group)));
  });

  return router;
}

export async function requireDeploymentGroup(deps: ApiDeps, app: string, name: string): Promise<DeploymentGroup> {
  await requireApplication(deps, app);
  const group = await deps.store.catalog.getDeploymentGroup(app, name);
  if (!group) throw new NotFoundError('DeploymentGroupDoesNotExistException', `Application ${app} has no deployment group named ${name}.`);
  return group;
}
