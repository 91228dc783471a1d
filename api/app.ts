/**
 * The Express app: REST under /v1 (api tokens of accounts, with roles), the agent protocol under /agent/v1 (enrollment
 * and instance tokens), /healthz open. Stateless: run as many copies as you like.
 */
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { redactRequest, type Logger } from '../shared/logger.js';
import type { ApiDeps } from './context.js';
import { requirePrincipal } from './middleware/auth.js';
import { requireRouteRole } from './middleware/route-roles.js';
import { auditWrites } from './middleware/audit.js';
import { ROUTE_DOCS } from './openapi-routes.js';
import { accessRoutes } from './routes/access.js';
import { auditRoutes } from './routes/audit.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { applicationRoutes } from './routes/applications.js';
import { deploymentConfigRoutes } from './routes/deployment-configs.js';
import { deploymentGroupRoutes } from './routes/deployment-groups.js';
import { revisionRoutes } from './routes/revisions.js';
import { deploymentRoutes } from './routes/deployments.js';
import { deploymentActionRoutes } from './routes/deployment-actions.js';
import { instanceRoutes } from './routes/instances.js';
import { agentRoutes } from './routes/agent.js';
import { eventRoutes } from './routes/events.js';
import { QUEUE_BOARD_PATH, queueBoard, requireAdminForBoard } from './routes/admin-queues.js';
import { openApiDocument } from './openapi.js';
import { webhookRoutes } from './routes/webhooks.js';
import { webhookDeliveryRoutes } from './routes/webhooks-deliveries.js';
import { notificationRoutes } from './routes/notifications.js';
import { triggerRoutes } from './routes/notifications-triggers.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { securityHeaders } from './edges/security-headers.js';
import { cors } from './edges/cors.js';
import { requestTimeouts } from './edges/timeouts.js';
import { rateLimit } from './edges/rate-limit.js';

/** Agent reports carry up to 256 K characters of script output (agent/reporter.ts), escaped: their own, larger bound. */
const AGENT_JSON_LIMIT = 1024 * 1024;

/** Agent routes: one shared logger (no per-request child) and a line only for a failed request. */
function agentRequestLog(log: Logger): RequestHandler {
  const agentLog = log.child({ component: 'agent-api' });
  return (req, res, next) => {
    req.log = agentLog;
    const started = Date.now();
    res.on('finish', () => {
      if (res.statusCode < 400) return;
      const line = { req: { method: req.method, url: req.url }, res: { statusCode: res.statusCode }, responseTime: Date.now() - started };
      if (res.statusCode >= 500) agentLog.error(line, 'request errored');
      else agentLog.info(line, 'request failed');
    });
    next();
  };
}

export function createApp(deps: ApiDeps, log: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.config.edges.trustProxy);
  app.use(deps.metrics.httpMiddleware());
  const httpLog = pinoHttp({
    logger: log,
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    serializers: { req: redactRequest },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
  });
  const agentLog = agentRequestLog(log);
  // Agents' polls and reports are most of the api's requests on a busy fleet: pino-http's
  // per-request child logger, serializers and redaction cost ~8 % of its CPU there (docs/BENCHMARKS.md).
  app.use((req, res, next) => (req.url.startsWith('/agent/v1/') ? agentLog(req, res, next) : httpLog(req, res, next)));
  // The edges (api/edges/): headers, CORS, deadlines and rate limits, before any route reads a body.
  const { edges } = deps.config;
  app.use(securityHeaders());
  app.use(cors(edges.corsOrigins));
  app.use(requestTimeouts({ requestMs: edges.requestTimeoutMs, uploadMs: edges.uploadTimeoutMs }));
  app.use(rateLimit(deps.store.redis, { ...edges.rateLimit, prefix: deps.config.redisPrefix }, log));
  // Git-host webhooks: signed by the host, not by a token; their own raw body parser (the
  // signature covers the exact bytes), so they come before express.json.
  app.use('/webhooks', webhookRoutes(deps));
  // Body bounds per route: agents' reports, the REST API's small JSON bodies; bundle uploads
  // stream to disk bounded by CUTOVER_MAX_BUNDLE_BYTES (api/routes/revisions.ts).
  const agentJson = express.json({ limit: AGENT_JSON_LIMIT });
  const restJson = express.json({ limit: edges.maxJsonBytes });
  app.use((req, res, next) => (req.url.startsWith('/agent/v1/') ? agentJson(req, res, next) : restJson(req, res, next)));

  app.get('/healthz', async (_req, res) => {
    const redis = await deps.store.redis.ping().then(
      () => 'ok',
      () => 'unreachable',
    );
    res.status(redis === 'ok' ? 200 : 503).json({ status: redis === 'ok' ? 'ok' : 'degraded', redis });
  });

  // Open like /healthz: counts and durations, nothing secret (see api/metrics.ts).
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics.text();
    res.type(contentType).send(body);
  });
  app.use(QUEUE_BOARD_PATH, requireAdminForBoard(deps.store), queueBoard(deps.metrics.queues));
  // The API's description is public, like the code it is generated from (api/openapi-routes.ts).
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  app.use('/agent/v1', agentRoutes(deps));

  // /v1: an api token (any role), the audit of every write, the role its route needs (from the
  // route table); what each account's token may reach is checked per resource (api/access.ts).
  const v1 = express.Router();
  v1.use(requirePrincipal(deps.store, deps.now));
  // Before the role check, so a write refused for its role (403) is audited as an attempt too.
  v1.use(auditWrites(deps));
  v1.use(requireRouteRole(ROUTE_DOCS));
  v1.use('/audit', auditRoutes(deps));
  v1.use(accessRoutes(deps));
  v1.use('/applications/:app/deployment-groups/:group/triggers', triggerRoutes(deps));
  v1.use('/applications/:app/deployment-groups', deploymentGroupRoutes(deps));
  v1.use('/applications/:app/revisions', revisionRoutes(deps));
  v1.use('/applications', applicationRoutes(deps));
  v1.use('/deployment-configs', deploymentConfigRoutes(deps));
  v1.use('/deployments/:id/notifications', notificationRoutes(deps));
  v1.use('/deployments', deploymentRoutes(deps));
  v1.use('/deployments', deploymentActionRoutes(deps));
  v1.use('/webhook-deliveries', webhookDeliveryRoutes(deps));
  v1.use('/instances', instanceRoutes(deps));
  v1.use(eventRoutes(deps));
  app.use('/v1', v1);
  // The web dashboard: `/` and its assets (built from web/ on first request).
  app.use(dashboardRoutes(log));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
