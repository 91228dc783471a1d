import { Router, type Request } from 'express';
import type { ApiDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { CreateApplicationBody } from '../schemas.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { newUuid } from '../../shared/ids.js';
import type { Application } from '../../shared/domain/types.js';
import { accountOf, type Owner } from '../../shared/domain/access.js';
import { authorize, principalOf } from '../access.js';

export function applicationRoutes(deps: ApiDeps): Router {
  const router = Router();

  /** Application names are unique across the installation (like bucket names): a taken name is 409 whoever holds it. */
  router.post('/', async (req, res) => {
    const body = parseInput(CreateApplicationBody, req.body, 'application');
    const app: Application = {
      applicationId: newUuid(),
      applicationName: body.name,
      computePlatform: 'Server',
      createTime: deps.now().toISOString(),
      accountId: principalOf(req).accountId,
    };
    if (!(await deps.store.catalog.createApplication(app))) {
      throw new ConflictError('ApplicationAlreadyExistsException', `An application named ${body.name} already exists.`);
    }
    res.status(201).json(app);
  });

  router.get('/', async (req, res) => {
    const { accountId } = principalOf(req);
    const all = await deps.store.catalog.listApplications();
    res.json({ applications: all.filter((a) => accountOf(a) === accountId) });
  });

  router.get('/:app', async (req, res) => {
    res.json(await requireApplication(deps, req, req.params.app));
  });

  return router;
}

const noApplication = (name: string) => () => new NotFoundError('ApplicationDoesNotExistException', `No application named ${name}.`);

/**
 * The application, if the caller's account owns it (`anyGroup`: or holds a grant on one of its
 * groups, which is what uploading a revision to deploy there needs); else, as if it did not exist.
 */
export async function requireApplication(deps: ApiDeps, req: Request, name: string, reach: { anyGroup?: boolean } = {}): Promise<Application> {
  const app = await deps.store.catalog.getApplication(name);
  if (!app) throw noApplication(name)();
  const owner: Owner = { accountId: accountOf(app), ...(reach.anyGroup ? { anyGroupOfApplication: name } : {}) };
  await authorize(deps, req, owner, noApplication(name));
  return app;
}
