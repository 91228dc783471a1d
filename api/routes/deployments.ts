/**
 * Deployments: create (validated fully before anything is written, idempotent by clientToken),
 * read, list, per-instance targets and their full script logs.
 */
import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateDeploymentBody, DeploymentIdParam, ListDeploymentsQuery, TargetLogsQuery } from '../schemas.js';
import { joinEventLogs } from '../../shared/store/script-logs.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { toDeploymentInfo, type DeploymentState } from '../../shared/store/deployments.js';
import { withRedactedLoadBalancer } from '../load-balancer-schema.js';
import type { InstanceTarget } from '../../shared/domain/types.js';
import { requireDeploymentGroup } from './deployment-groups.js';
import { createDeployment } from '../../shared/operations/create-deployment.js';

export function deploymentRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(CreateDeploymentBody, req.body, 'deployment');
    const { created, deploymentId } = await createDeployment(deps, {
      applicationName: body.applicationName,
      deploymentGroupName: body.deploymentGroupName,
      digest: body.revision.digest,
      creator: 'user',
      deploymentConfigName: body.deploymentConfigName,
      description: body.description,
      fileExistsBehavior: body.fileExistsBehavior,
      ignoreApplicationStopFailures: body.ignoreApplicationStopFailures,
      clientToken: body.clientToken,
      autoRollbackConfiguration: body.autoRollbackConfiguration,
      updateOutdatedInstancesOnly: body.updateOutdatedInstancesOnly,
    });
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
    res.json({ deployments: states.map((s) => withRedactedLoadBalancer(toDeploymentInfo(s))) });
  });

  router.get('/:id', async (req, res) => {
    res.json(withRedactedLoadBalancer(toDeploymentInfo(await requireDeployment(deps, req.params.id))));
  });

  router.get('/:id/targets', async (req, res) => {
    const state = await requireDeployment(deps, req.params.id);
    const targets = await deps.store.deployments.listTargets(state.spec.deploymentId);
    res.json({ targets: targets.map(publicTarget) });
  });

  router.get('/:id/targets/:instanceId', async (req, res) => {
    res.json(publicTarget(await requireTarget(deps, req.params.id, req.params.instanceId)));
  });

  /** The instance's script log: every lifecycle event's (or `?event=`'s), in lifecycle order. */
  router.get('/:id/targets/:instanceId/logs', async (req, res) => {
    const { event } = parseInput(TargetLogsQuery, req.query, 'query');
    const target = await requireTarget(deps, req.params.id, req.params.instanceId);
    const which = target.lifecycleEvents
      .filter((e) => !event || e.lifecycleEventName === event)
      .map((e) => ({ instanceId: target.targetId, lifecycleEventName: e.lifecycleEventName }));
    const { logs } = await deps.store.logs.snapshot(target.deploymentId, which);
    res.type('text/plain; charset=utf-8').send(joinEventLogs(logs));
  });

  return router;
}

export async function requireDeployment(deps: ApiDeps, id: string): Promise<DeploymentState> {
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
