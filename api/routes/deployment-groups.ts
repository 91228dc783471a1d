import { isDeepStrictEqual } from 'node:util';
import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentGroupBody, UpdateDeploymentGroupBody } from '../schemas.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';
import { groupRecord, identityOf, keepStoredSecrets, refuseRename, updatedInput } from '../group-update.js';
import { requireApplication } from './applications.js';
import { requireDeploymentConfig } from './deployment-configs.js';
import { withRedactedLoadBalancer } from '../load-balancer-schema.js';
import { publicGroup } from '../../shared/notifications/mask.js';
import { checkGroupSettings } from '../../shared/notifications/check-settings.js';
import { groupInstances, groupStatus } from './group-status.js';
import { accessOf, authorize } from '../access.js';
import { accountOf } from '../../shared/domain/access.js';

/** A group as the API shows it: no load-balancer token, no webhook URL or secret in clear. */
function shown(group: DeploymentGroup): DeploymentGroup {
  return publicGroup(withRedactedLoadBalancer(group));
}

/** Mounted at /v1/applications/:app/deployment-groups. */
export function deploymentGroupRoutes(deps: ApiDeps): Router {
  const router = Router({ mergeParams: true });

  router.post('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, req, app);
    const body = parseInput(CreateDeploymentGroupBody, req.body, 'deployment group');
    // Every field the body has is stored (groupRecord), so create and update keep the same fields.
    const group = groupRecord({ applicationName: app, deploymentGroupName: body.name, deploymentGroupId: newUuid(), createTime: deps.now().toISOString() }, body);
    await requireDeploymentConfig(deps, req, group.deploymentConfigName);
    checkGroupSettings(deps.config, group.triggerConfigurations, group.gitSource);
    if (!(await deps.store.catalog.createDeploymentGroup(group))) {
      throw new ConflictError('DeploymentGroupAlreadyExistsException', `Application ${app} already has a deployment group named ${body.name}.`);
    }
    res.status(201).json(shown(group));
  });

  router.get('/', async (req, res) => {
    const { app } = req.params as { app: string };
    await requireApplication(deps, req, app);
    const groups = await deps.store.catalog.listDeploymentGroups(app);
    res.json({ deploymentGroups: await Promise.all(groups.map(async (g) => ({ ...shown(g), ...(await groupStatus(deps, g)) }))) });
  });

  router.get('/:group', async (req, res) => {
    const { app, group } = req.params as { app: string; group: string };
    const found = await requireDeploymentGroup(deps, req, app, group);
    res.json({ ...shown(found), ...(await groupStatus(deps, found)) });
  });

  /**
   * UpdateDeploymentGroup (see api/group-update.ts for the merge, masked secrets and renaming).
   * Read, merge, check, then a compare-and-set write; a concurrent update makes us merge again
   * on top of it. Deployments already created keep the group they snapshotted.
   */
  router.put('/:group', async (req, res) => {
    const { app, group: name } = req.params as { app: string; group: string };
    for (let attempt = 1; ; attempt++) {
      const stored = await requireDeploymentGroup(deps, req, app, name);
      const body = parseInput(UpdateDeploymentGroupBody, keepStoredSecrets(req.body, stored), 'deployment group update');
      refuseRename(name, body);
      const group = groupRecord(identityOf(stored), parseInput(CreateDeploymentGroupBody, updatedInput(stored, body), 'deployment group'));
      await requireDeploymentConfig(deps, req, group.deploymentConfigName);
      checkGroupSettings(deps.config, group.triggerConfigurations, group.gitSource);
      if (isDeepStrictEqual(group, stored)) return void res.json(shown(stored));
      const outcome = await deps.store.catalog.replaceDeploymentGroup(stored, group);
      if (outcome === 'replaced') return void res.json(shown(group));
      if (outcome === 'missing') await requireDeploymentGroup(deps, req, app, name);
      if (attempt === 3) throw new ConflictError('ConcurrentModificationException', `Deployment group ${name} kept changing while this update was applied; try again.`);
    }
  });

  /** Each targeted instance with the revision it runs for this group, and whether it is outdated. */
  router.get('/:group/instances', async (req, res) => {
    const { app, group } = req.params as { app: string; group: string };
    res.json(await groupInstances(deps, await requireDeploymentGroup(deps, req, app, group)));
  });

  return router;
}

/**
 * The group, if the caller's account owns its application or holds a grant on it. Anything else
 * answers as if the application did not exist: another account's group names cannot be probed.
 */
export async function requireDeploymentGroup(deps: ApiDeps, req: Request, app: string, name: string): Promise<DeploymentGroup> {
  const application = await deps.store.catalog.getApplication(app);
  const group = application ? await deps.store.catalog.getDeploymentGroup(app, name) : undefined;
  const noApplication = () => new NotFoundError('ApplicationDoesNotExistException', `No application named ${app}.`);
  if (!application) throw noApplication();
  const owner = { accountId: accountOf(application), deploymentGroupId: group?.deploymentGroupId ?? '' };
  if (!(await accessOf(deps, req, owner))) throw noApplication();
  if (!group) throw new NotFoundError('DeploymentGroupDoesNotExistException', `Application ${app} has no deployment group named ${name}.`);
  await authorize(deps, req, owner, noApplication);
  return group;
}
