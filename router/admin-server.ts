/**
 * The admin API (see shared/traffic/builtin/admin-protocol.ts for the routes), on its own port
 * with its own bearer token, so the data-plane port can face clients while this one stays on a
 * private interface. Every change is logged and written to the state file when there is one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type * as z from 'zod';
import type { Logger } from '../shared/logger.js';
import { CutoverError, InvalidInputError, NotFoundError, UnauthorizedError } from '../shared/errors.js';
import { DEFAULT_HEALTH_CHECK } from '../shared/domain/load-balancer.js';
import { PoolNameSchema, RegisterTargetBody, SetWeightBody, TargetIdSchema } from '../shared/traffic/builtin/admin-protocol.js';
import { InvalidTargetError, type Pool } from './pool.js';
import type { HealthChecker } from './health-checker.js';

export interface AdminDeps {
  pools: ReadonlyMap<string, Pool>;
  health: HealthChecker;
  token: string;
  log: Logger;
  /** Called after every change (persists the registrations). */
  changed: () => void;
}

export async function startAdmin(deps: AdminDeps, host: string, port: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', pools: [...deps.pools.keys()] });
  });
  app.use(requireToken(deps.token));

  const pool = (name: string): Pool => {
    const found = PoolNameSchema.safeParse(name).success ? deps.pools.get(name) : undefined;
    if (!found) throw new NotFoundError('PoolNotFoundException', `The router has no pool named ${name}; its pools: ${[...deps.pools.keys()].join(', ')}.`);
    return found;
  };
  const targetId = (id: string): string => parse(TargetIdSchema, id, 'target id');

  app.get('/v1/pools', (_req, res) => {
    res.json({ pools: [...deps.pools.values()].map((p) => p.view()) });
  });

  app.get('/v1/pools/:pool', (req, res) => {
    res.json(pool(req.params.pool).view());
  });

  app.get('/v1/pools/:pool/targets/:id', (req, res) => {
    const target = pool(req.params.pool).targets.get(targetId(req.params.id));
    if (!target) throw new NotFoundError('TargetNotFoundException', `Pool ${req.params.pool} has no target ${req.params.id}.`);
    res.json(target.view());
  });

  app.put('/v1/pools/:pool/targets/:id', (req, res) => {
    const p = pool(req.params.pool);
    const id = targetId(req.params.id);
    const body = parse(RegisterTargetBody, req.body, 'target');
    let result;
    try {
      result = p.upsert(id, { address: body.address, weight: body.weight ?? 100, healthCheck: body.healthCheck ?? DEFAULT_HEALTH_CHECK });
    } catch (err) {
      if (err instanceof InvalidTargetError) throw new InvalidInputError('ValidationException', err.message);
      throw err;
    }
    if (result.reset) {
      deps.health.watch(p, result.target);
      deps.log.info({ pool: p.name, target: id, address: body.address, weight: result.target.weight }, 'target registered; in service once healthy');
      deps.changed();
    }
    res.json(result.target.view());
  });

  app.post('/v1/pools/:pool/targets/:id/drain', (req, res) => {
    const p = pool(req.params.pool);
    const id = targetId(req.params.id);
    const before = p.targets.get(id)?.admin;
    const target = p.drain(id);
    if (!target) throw new NotFoundError('TargetNotFoundException', `Pool ${p.name} has no target ${id}.`);
    if (before !== 'draining') {
      deps.log.info({ pool: p.name, target: id, activeRequests: target.activeRequests }, 'target draining');
      deps.changed();
    }
    res.json(target.view());
  });

  app.put('/v1/pools/:pool/targets/:id/weight', (req, res) => {
    const p = pool(req.params.pool);
    const id = targetId(req.params.id);
    const { weight } = parse(SetWeightBody, req.body, 'weight');
    const target = p.targets.get(id);
    if (!target) throw new NotFoundError('TargetNotFoundException', `Pool ${p.name} has no target ${id}.`);
    if (target.weight !== weight) {
      target.weight = weight;
      deps.log.info({ pool: p.name, target: id, weight }, 'target weight set');
      deps.changed();
    }
    res.json(target.view());
  });

  app.delete('/v1/pools/:pool/targets/:id', (req, res) => {
    const p = pool(req.params.pool);
    const id = targetId(req.params.id);
    const target = p.remove(id);
    if (target) {
      deps.health.unwatch(target);
      deps.log.info({ pool: p.name, target: id, activeRequests: target.activeRequests }, 'target removed');
      deps.changed();
    }
    res.status(204).end();
  });

  app.use(((req, res) => {
    res.status(404).json({ error: { code: 'ResourceNotFoundException', message: `No route for ${req.method} ${req.path}.`, details: {} } });
  }) as RequestHandler);
  app.use(errorHandler(deps.log));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function requireToken(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    if (!match || !timingSafeEqual(given, expected)) return next(new UnauthorizedError('The router admin API needs its bearer token.'));
    next();
  };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  throw new InvalidInputError('ValidationException', `Invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`, { issues });
}

function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof CutoverError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details ?? {} } });
      return;
    }
    const parserError = err as { type?: string; status?: number };
    if (parserError.type === 'entity.parse.failed' || (typeof parserError.status === 'number' && parserError.status < 500)) {
      res.status(parserError.status ?? 400).json({ error: { code: 'InvalidRequestException', message: 'The request body could not be read as JSON.', details: {} } });
      return;
    }
    log.error({ err }, 'admin API error');
    res.status(500).json({ error: { code: 'InternalFailure', message: 'An internal error occurred.', details: {} } });
  };
}
