/**
 * Deployments: create (validated fully before anything is written, idempotent by clientToken),
 * read, list, per-instance targets and their full script logs.
 */
import { Router, type Request } from 'express';
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
import { authorize, canSee, deploymentOwner } from '../access.js';

export function deploymentRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(CreateDeploymentBody, req.body, 'deployment');
    // The caller must reach the group (its own, or granted) before anything else is looked at.
    const group = await requireDeploymentGroup(deps, req, body.applicationName, body.deploymentGroupName);
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
    }, { group });
    res.status(created ? 201 : 200).json({ deploymentId });
  });

  router.get('/', async (req, res) => {
    const query = parseInput(ListDeploymentsQuery, req.query, 'query');
    let groupId: string | undefined;
    if (query.deploymentGroupName) {
      if (!query.applicationName) {
        throw new InvalidInputError('ApplicationNameRequiredException', 'deploymentGroupName needs applicationName too.');
      }
      groupId = (await requireDeploymentGroup(deps, req, query.applicationName, query.deploymentGroupName)).deploymentGroupId;
    }
    const states = await deps.store.deployments.list({ applicationName: query.applicationName, deploymentGroupId: groupId, statuses: query.status });
    const visible = await Promise.all(states.map((s) => canSee(deps, req, s.spec)));
    res.json({ deployments: states.filter((_s, i) => visible[i]).map((s) => withRedactedLoadBalancer(toDeploymentInfo(s))) });
  });

  router.get('/:id', async (req, res) => {
    res.json(withRedactedLoadBalancer(toDeploymentInfo(await requireDeployment(deps, req, req.params.id))));
  });

  router.get('/:id/targets', async (req, res) => {
    const state = await requireDeployment(deps, req, req.params.id);
    const targets = await deps.store.deployments.listTargets(state.spec.deploymentId);
    res.json({ targets: targets.map(publicTarget) });
  });

  router.get('/:id/targets/:instanceId', async (req, res) => {
    res.json(publicTarget(await requireTarget(deps, req, req.params.id, req.params.instanceId)));
  });

  /** The instance's script log: every lifecycle event's (or `?event=`'s), in lifecycle order. */
  router.get('/:id/targets/:instanceId/logs', async (req, res) => {
    const { event } = parseInput(TargetLogsQuery, req.query, 'query');
    const target = await requireTarget(deps, req, req.params.id, req.params.instanceId);
    const which = target.lifecycleEvents
      .filter((e) => !event || e.lifecycleEventName === event)
      .map((e) => ({ instanceId: target.targetId, lifecycleEventName: e.lifecycleEventName }));
    const { logs } = await deps.store.logs.snapshot(target.deploymentId, which);
    res.type('text/plain; charset=utf-8').send(joinEventLogs(logs));
  });

  return router;
}

/** The deployment, if the caller's account owns its application or holds a grant on its group; else 404. */
export async function requireDeployment(deps: ApiDeps, req: Request, id: string): Promise<DeploymentState> {
  const parsed = DeploymentIdParam.safeParse(id);
  const state = parsed.success ? await deps.store.deployments.get(parsed.data) : undefined;
  const missing = () => new NotFoundError('DeploymentDoesNotExistException', `No deployment ${id}.`);
  if (!state) throw missing();
  await authorize(deps, req, deploymentOwner(state.spec), missing);
  return state;
}

async function requireTarget(deps: ApiDeps, req: Request, id: string, instanceName: string): Promise<InstanceTarget> {
  const state = await requireDeployment(deps, req, id);
  const target = await deps.store.deployments.getTarget(state.spec.deploymentId, instanceName);
  if (!target) throw new NotFoundError('DeploymentTargetDoesNotExistException', `Deployment ${id} has no target ${instanceName}.`);
  return target;
}

/** CodeDeploy's InstanceTarget shape, without Cutover's bookkeeping fields. */
function publicTarget(target: InstanceTarget) {
  const { version: _v, commandId: _c, agentIssue: _a, ...rest } = target;
  return rest;
}
