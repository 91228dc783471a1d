/**
 * Deployments: create (validated fully before anything is written, idempotent by clientToken),
 * read, list, per-instance targets and their full script logs.
 */
import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentBody, DeploymentIdParam, ListDeploymentsQuery } from '../schemas.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { newDeploymentId } from '../../shared/ids.js';
import { toDeploymentInfo, type DeploymentState } from '../../shared/store/deployments.js';
import type { DeploymentSpec, InstanceTarget } from '../../shared/domain/types.js';
import { requireDeploymentGroup } from './deployment-groups.js';
import { requireDeploymentConfig } from './deployment-configs.js';

export function deploymentRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(CreateDeploymentBody, req.body, 'deployment');
    const group = await requireDeploymentGroup(deps, body.applicationName, body.deploymentGroupName);
    const configName = body.deploymentConfigName ?? group.deploymentConfigName;
    await requireDeploymentConfig(deps, configName);
    const revision = await deps.store.catalog.getRevision(body.applicationName, body.revision.digest);
    if (!revision) {
      throw new NotFoundError('RevisionDoesNotExistException', `Application ${body.applicationName} has no revision ${body.revision.digest}; upload the bundle first.`);
    }
    const spec: DeploymentSpec = {
      deploymentId: newDeploymentId(),
      applicationName: body.applicationName,
      deploymentGroupName: body.deploymentGroupName,
      deploymentGroupId: group.deploymentGroupId,
      deploymentConfigName: configName,
      revision: revision.revision,
      bundleType: revision.bundleType,
      description: body.description,
      creator: 'user',
      fileExistsBehavior: body.fileExistsBehavior ?? 'DISALLOW',
      ignoreApplicationStopFailures: body.ignoreApplicationStopFailures ?? false,
      deploymentStyle: group.deploymentStyle,
      instanceTagFilters: group.instanceTagFilters,
      instanceTagSet: group.instanceTagSet,
      eventTimeoutSeconds: revision.eventTimeoutSeconds,
      clientToken: body.clientToken,
    };
    const { created, deploymentId } = await deps.store.deployments.create(spec, deps.now());
    if (created) await deps.queues.reconcile(deploymentId);
    res.status(created ? 201 : 200).json({ deploymentId });
  });

  router.get('/', async (req, res) => {
    const query = parseInput(ListDeploymentsQuery, req.query, 'query');
    let groupId: string | undefined;
    if (query.deploymentGroupName) {
      if (!query.applicationName) {
        throw new InvalidInputError('ApplicationNameRequiredException', 'deploymentGroupName needs applicationName too.');
      }
      groupId = (await requireDeploymentGroup(deps, query.applicationName, query.deploymentGroupName)).deploymentGroupId;
    }
    const states = await deps.store.deployments.list({ applicationName: query.applicationName, deploymentGroupId: groupId, statuses: query.status });
    res.json({ deployments: states.map(toDeploymentInfo) });
  });

  router.get('/:id', async (req, res) => {
    res.json(toDeploymentInfo(await requireDeployment(deps, req.params.id)));
  });

  router.get('/:id/targets', async (req, res) => {
    const state = await requireDeployment(deps, req.params.id);
    const targets = await deps.store.deployments.listTargets(state.spec.deploymentId);
    res.json({ targets: targets.map(publicTarget) });
  });

  router.get('/:id/targets/:instanceId', async (req, res) => {
    res.json(publicTarget(await requireTarget(deps, req.params.id, req.params.instanceId)));
  });

  router.get('/:id/targets/:instanceId/logs', async (req, res) => {
    const target = await requireTarget(deps, req.params.id, req.params.instanceId);
    const log = await deps.store.deployments.getLog(target.deploymentId, target.targetId);
    res.type('text/plain; charset=utf-8').send(log);
  });

  return router;
}

async function requireDeployment(deps: ApiDeps, id: string): Promise<DeploymentState> {
  const parsed = DeploymentIdParam.safeParse(id);
  const state = parsed.success ? await deps.store.deployments.get(parsed.data) : undefined;
  if (!state) throw new NotFoundError('DeploymentDoesNotExistException', `No deployment ${id}.`);
  return state;
}

async function requireTarget(deps: ApiDeps, id: string, instanceName: string): Promise<InstanceTarget> {
  const state = await requireDeployment(deps, id);
  const target = await deps.store.deployments.getTarget(state.spec.deploymentId, instanceName);
  if (!target) throw new NotFoundError('DeploymentTargetDoesNotExistException', `Deployment ${id} has no target ${instanceName}.`);
  return target;
}

/** CodeDeploy's InstanceTarget shape, without Cutover's bookkeeping fields. */
function publicTarget(target: InstanceTarget) {
  const { version: _v, commandId: _c, agentIssue: _a, ...rest } = target;
  return rest;
}
