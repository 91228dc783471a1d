/**
 * Deployment actions beyond create/read: StopDeployment (POST /v1/deployments/:id/stop, see
 * shared/operations/stop-deployment.ts) and a manual rollback (POST /v1/deployments/:id/rollback,
 * see shared/operations/rollback-deployment.ts), and ContinueDeployment (POST
 * /v1/deployments/:id/continue, see shared/operations/continue-deployment.ts).
 */
import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { RollbackDeploymentBody, StopDeploymentBody } from '../schemas.js';
import { stopDeployment } from '../../shared/operations/stop-deployment.js';
import { rollbackDeployment } from '../../shared/operations/rollback-deployment.js';
import { continueDeployment } from '../../shared/operations/continue-deployment.js';
import { ContinueDeploymentBody } from '../blue-green-schema.js';
import { requireDeployment } from './deployments.js';

/** Mounted at /v1/deployments. */
export function deploymentActionRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/:id/stop', async (req, res) => {
    const body = parseInput(StopDeploymentBody, req.body ?? {}, 'stop request');
    const id = await deploymentId(deps, req);
    const answer = await stopDeployment(deps, id, body.autoRollbackEnabled);
    req.log.info({ deploymentId: id, autoRollbackEnabled: body.autoRollbackEnabled, answer: answer.status }, 'stop requested');
    res.json(answer);
  });

  router.post('/:id/rollback', async (req, res) => {
    parseInput(RollbackDeploymentBody, req.body ?? {}, 'rollback request');
    const id = await deploymentId(deps, req);
    const { created, deploymentId: rollbackDeploymentId } = await rollbackDeployment(deps, id);
    req.log.info({ deploymentId: id, rollbackDeploymentId, created }, 'rollback requested');
    res.status(created ? 201 : 200).json({ deploymentId: rollbackDeploymentId });
  });

  router.post('/:id/continue', async (req, res) => {
    const body = parseInput(ContinueDeploymentBody, req.body ?? {}, 'continue request');
    const id = await deploymentId(deps, req);
    const answer = await continueDeployment(deps, id, body.deploymentWaitType);
    req.log.info({ deploymentId: id, deploymentWaitType: body.deploymentWaitType, phase: answer.phase }, 'deployment continued');
    res.json(answer);
  });

  return router;
}

/** The deployment's id, once the caller is known to reach it with the route's role. */
async function deploymentId(deps: ApiDeps, req: Request): Promise<string> {
  return (await requireDeployment(deps, req, String(req.params.id))).spec.deploymentId;
}
