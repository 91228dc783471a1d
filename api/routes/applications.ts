import { Router } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateApplicationBody } from '../schemas.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import type { Application } from '../../shared/domain/types.js';

export function applicationRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(CreateApplicationBody, req.body, 'application');
    const app: Application = { applicationId: newUuid(), applicationName: body.name, computePlatform: 'Server', createTime: deps.now().toISOString() };
    if (!(await deps.store.catalog.createApplication(app))) {
      throw new ConflictError('ApplicationAlreadyExistsException', `An application named ${body.name} already exists.`);
    }
    res.status(201).json(app);
  });

  router.get('/', async (_req, res) => {
    res.json({ applications: await deps.store.catalog.listApplications() });
  });

  router.get('/:app', async (req, res) => {
    res.json(await requireApplication(deps, req.params.app));
  });

  return router;
}

export async function requireApplication(deps: ApiDeps, name: string): Promise<Application> {
  const app = await deps.store.catalog.getApplication(name);
  if (!app) throw new NotFoundError('ApplicationDoesNotExistException', `No application named ${name}.`);
  return app;
}
