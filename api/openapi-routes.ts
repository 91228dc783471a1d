/**
 * THE place to describe an HTTP route for GET /v1/openapi.json. Adding a route to Express?
 * Add one entry here, with the zod schemas the handler parses (export them from api/schemas.ts
 * or beside the route): `path` is the full Express path as mounted (`/v1/deployments/:id/stop`),
 * `body`/`query`/`params` the request schemas, `response` what a success answers.
 * test/unit/openapi-routes.test.ts lists every route Express serves and fails on any route
 * missing here (and on any entry here that Express does not serve).
 */
import * as z from 'zod';
import type { RouteDoc } from './openapi.js';
import {
  CreateApplicationBody,
  CreateDeploymentBody,
  CreateDeploymentConfigBody,
  CreateDeploymentGroupBody,
  DeploymentIdParam,
  EventStreamQuery,
  ListDeploymentsQuery,
  ListRevisionsQuery,
  LogStreamQuery,
  ResourceName,
  StopDeploymentBody,
  RollbackDeploymentBody,
  TargetLogsQuery,
  UpdateDeploymentGroupBody,
} from './schemas.js';
import { CommandIdSchema, DigestSchema, InstanceNameSchema, PollRequest, PollResponse, RegisterRequest, RegisterResponse, ReportRequest, ReportResponse } from '../shared/protocol.js';
import { ContinueDeploymentBody } from './blue-green-schema.js';
import { AuditQuery, CreateAccountBody, CreateGrantBody, CreateTokenBody, GrantIdSchema, TokenIdSchema } from './access-schemas.js';

const app = { app: ResourceName };
const group = { ...app, group: ResourceName };
const deployment = { id: DeploymentIdParam };
const target = { ...deployment, instanceId: InstanceNameSchema };
const json = (description: string, schema?: z.ZodType) => ({ description, ...(schema ? { schema } : {}) });
const sse = (description: string) => ({ description, contentType: 'text/event-stream' });
const BUNDLE_TYPES = ['application/gzip', 'application/x-tar', 'application/zip', 'application/octet-stream'];

export const ROUTE_DOCS: RouteDoc[] = [
  // Open
  { method: 'get', path: '/healthz', tag: 'operations', auth: 'none', scope: 'system', summary: 'Liveness: 200 when Redis answers, 503 otherwise', response: json('{status, redis}') },
  { method: 'get', path: '/metrics', tag: 'operations', auth: 'none', scope: 'system', summary: 'Prometheus metrics (text exposition format)', response: { description: 'Prometheus text', contentType: 'text/plain' } },
  { method: 'get', path: '/v1/openapi.json', tag: 'operations', auth: 'none', scope: 'system', summary: 'This document', response: json('OpenAPI 3.1') },

  // Applications, configs, groups, revisions
  { method: 'post', path: '/v1/applications', tag: 'applications', auth: 'admin', scope: 'account', summary: 'Create an application', body: CreateApplicationBody, response: { status: 201, description: 'The application' }, otherResponses: { 409: 'It already exists.' } },
  { method: 'get', path: '/v1/applications', tag: 'applications', auth: 'viewer', scope: 'account', summary: 'List applications', response: json('{applications}') },
  { method: 'get', path: '/v1/applications/:app', tag: 'applications', auth: 'viewer', scope: 'application', summary: 'Get an application', params: app, response: json('The application') },
  { method: 'post', path: '/v1/deployment-configs', tag: 'deployment configs', auth: 'admin', scope: 'account', summary: 'Create a deployment config (minimum healthy hosts)', body: CreateDeploymentConfigBody, response: { status: 201, description: 'The config' }, otherResponses: { 409: 'It already exists.' } },
  { method: 'get', path: '/v1/deployment-configs', tag: 'deployment configs', auth: 'viewer', scope: 'account', summary: 'List deployment configs (the predefined ones included)', response: json('{deploymentConfigs}') },
  { method: 'get', path: '/v1/deployment-configs/:name', tag: 'deployment configs', auth: 'viewer', scope: 'config', summary: 'Get a deployment config', params: { name: ResourceName }, response: json('The config') },
  { method: 'post', path: '/v1/applications/:app/deployment-groups', tag: 'deployment groups', auth: 'admin', scope: 'application', summary: 'Create a deployment group', params: app, body: CreateDeploymentGroupBody, response: { status: 201, description: 'The group' }, otherResponses: { 409: 'It already exists.' } },
  { method: 'get', path: '/v1/applications/:app/deployment-groups', tag: 'deployment groups', auth: 'viewer', scope: 'application', summary: 'List an application\'s deployment groups with their status', params: app, response: json('{deploymentGroups}') },
  { method: 'get', path: '/v1/applications/:app/deployment-groups/:group', tag: 'deployment groups', auth: 'viewer', scope: 'group', summary: 'Get a deployment group with its status', params: group, response: json('The group') },
  { method: 'put', path: '/v1/applications/:app/deployment-groups/:group', tag: 'deployment groups', auth: 'admin', scope: 'group', summary: 'Update a deployment group (UpdateDeploymentGroup): fields given replace, fields left out are kept, null resets; a masked secret sent back keeps the stored one; no rename', params: group, body: UpdateDeploymentGroupBody, response: json('The group, secrets masked'), otherResponses: { 404: 'No such group (DeploymentGroupDoesNotExistException).', 409: 'It kept changing under concurrent updates.' } },
  { method: 'get', path: '/v1/applications/:app/deployment-groups/:group/instances', tag: 'deployment groups', auth: 'viewer', scope: 'group', summary: 'The group\'s instances with the revision each runs', params: group, response: json('Instances and revisions') },
  { method: 'post', path: '/v1/applications/:app/deployment-groups/:group/triggers/:name/test', tag: 'notifications', auth: 'admin', scope: 'group', summary: 'Send a test notification to every target of a trigger', params: { ...group, name: ResourceName }, response: json('One result per target') },
  { method: 'post', path: '/v1/applications/:app/revisions', tag: 'revisions', auth: 'deployer', scope: 'revisions', summary: 'Upload a revision bundle (the body is the archive)', params: app, body: { contentTypes: BUNDLE_TYPES, description: 'A tar.gz, tar or zip with an appspec.yml at its root' }, response: { status: 201, description: 'The revision: {revision: {revisionType, digest}, …}' }, otherResponses: { 413: 'The bundle is too large.' } },
  { method: 'get', path: '/v1/applications/:app/revisions', tag: 'revisions', auth: 'viewer', scope: 'application', summary: 'List an application\'s revisions', params: app, query: ListRevisionsQuery, response: json('{revisions}') },

  // Deployments
  { method: 'post', path: '/v1/deployments', tag: 'deployments', auth: 'deployer', scope: 'group', summary: 'Create a deployment (idempotent with clientToken)', body: CreateDeploymentBody, response: { status: 201, description: '{deploymentId} (200 when clientToken repeats an earlier request)' } },
  { method: 'get', path: '/v1/deployments', tag: 'deployments', auth: 'viewer', scope: 'account', summary: 'List deployments, newest first', query: ListDeploymentsQuery, response: json('{deployments}') },
  { method: 'get', path: '/v1/deployments/:id', tag: 'deployments', auth: 'viewer', scope: 'deployment', summary: 'Get a deployment', params: deployment, response: json('DeploymentInfo') },
  { method: 'post', path: '/v1/deployments/:id/continue', tag: 'deployments', auth: 'deployer', scope: 'deployment', summary: 'Continue a blue/green deployment waiting in Ready, or skip its termination wait (ContinueDeployment)', params: deployment, body: ContinueDeploymentBody, response: json('{status, phase}'), otherResponses: { 409: 'It is not at that wait (DeploymentIsNotInReadyStateException), or has completed.' } },
  { method: 'post', path: '/v1/deployments/:id/stop', tag: 'deployments', auth: 'deployer', scope: 'deployment', summary: 'Stop a deployment (StopDeployment)', params: deployment, body: StopDeploymentBody, response: json('{status: Pending|Succeeded, statusMessage}'), otherResponses: { 409: 'It has already completed (DeploymentAlreadyCompletedException).' } },
  { method: 'post', path: '/v1/deployments/:id/rollback', tag: 'deployments', auth: 'deployer', scope: 'deployment', summary: 'Roll a finished deployment back: a new deployment (creator codeDeployRollback) of the group\'s last success before it, linked both ways; asking again answers the same rollback', params: deployment, body: RollbackDeploymentBody, response: { status: 201, description: '{deploymentId} of the rollback (200 when it existed already)' }, otherResponses: { 409: 'It is still running, or nothing succeeded on the group before it.' } },
  { method: 'get', path: '/v1/deployments/:id/targets', tag: 'deployments', auth: 'viewer', scope: 'deployment', summary: 'Every instance of a deployment with its lifecycle events', params: deployment, response: json('{targets}') },
  { method: 'get', path: '/v1/deployments/:id/targets/:instanceId', tag: 'deployments', auth: 'viewer', scope: 'deployment', summary: 'One instance of a deployment', params: target, response: json('InstanceTarget') },
  { method: 'get', path: '/v1/deployments/:id/targets/:instanceId/logs', tag: 'logs', auth: 'viewer', scope: 'deployment', summary: 'An instance\'s script log, every lifecycle event in order (or ?event=); each event keeps its last 1 MB', params: target, query: TargetLogsQuery, response: { description: 'The log', contentType: 'text/plain' } },
  { method: 'get', path: '/v1/deployments/:id/notifications', tag: 'notifications', auth: 'viewer', scope: 'deployment', summary: 'A deployment\'s notification deliveries and their attempts', params: deployment, response: json('{notifications}') },

  // Live events (Server-Sent Events, resumable with Last-Event-ID or ?after=)
  { method: 'get', path: '/v1/events', tag: 'events', auth: 'viewer', scope: 'account', summary: 'Every deployment\'s state changes as SSE, from now (or after Last-Event-ID / ?after=)', query: EventStreamQuery, response: sse('event: DeploymentStatus | InstanceStatus | LifecycleEvent | DeploymentAction; id: the stream id') },
  { method: 'get', path: '/v1/deployments/:id/events', tag: 'events', auth: 'viewer', scope: 'deployment', summary: 'One deployment\'s state changes as SSE, from its creation (or after Last-Event-ID / ?after=)', params: deployment, query: EventStreamQuery, response: sse('As /v1/events, for one deployment') },
  { method: 'get', path: '/v1/deployments/:id/logs', tag: 'logs', auth: 'viewer', scope: 'deployment', summary: 'Script output as SSE while hooks run (event: log {instanceId, lifecycleEventName, text}), ending with event: end', params: deployment, query: LogStreamQuery, response: sse('event: log | end') },

  // Instances
  { method: 'get', path: '/v1/instances', tag: 'instances', auth: 'viewer', scope: 'account', summary: 'Registered instances', response: json('{instances}') },
  { method: 'get', path: '/v1/instances/:name', tag: 'instances', auth: 'viewer', scope: 'instance', summary: 'One instance', params: { name: InstanceNameSchema }, response: json('InstanceInfo') },
  { method: 'delete', path: '/v1/instances/:name', tag: 'instances', auth: 'admin', scope: 'instance', summary: 'Deregister an instance', params: { name: InstanceNameSchema }, response: json('The instance, Deregistered') },

  // Git hosts
  { method: 'post', path: '/webhooks/github', tag: 'webhooks', auth: 'signature', scope: 'system', summary: 'GitHub push webhook (X-Hub-Signature-256)', body: { contentTypes: ['application/json', 'application/x-www-form-urlencoded'], description: 'The GitHub event payload' }, response: json('What the delivery did') },
  { method: 'post', path: '/webhooks/gitlab', tag: 'webhooks', auth: 'signature', scope: 'system', summary: 'GitLab push webhook (X-Gitlab-Token)', body: { contentTypes: ['application/json'], description: 'The GitLab event payload' }, response: json('What the delivery did') },
  { method: 'get', path: '/v1/webhook-deliveries', tag: 'webhooks', auth: 'operator', scope: 'system', summary: 'Recent git-host webhook deliveries (?limit, ?provider, ?status)', response: json('{webhookDeliveries, refused}') },
  { method: 'get', path: '/v1/webhook-deliveries/:provider/:deliveryId', tag: 'webhooks', auth: 'operator', scope: 'system', summary: 'One webhook delivery', response: json('The delivery') },

  // Accounts, tokens, grants and the audit log (shared/domain/access.ts)
  { method: 'get', path: '/v1/whoami', tag: 'access', auth: 'viewer', scope: 'account', summary: 'The calling token: its id, account and role', response: json('{tokenId, accountId, role, operator}') },
  { method: 'post', path: '/v1/accounts', tag: 'access', auth: 'operator', scope: 'system', summary: 'Create an account (operator: an admin of the default account); answers its first admin token, shown once', body: CreateAccountBody, response: { status: 201, description: '{account, adminToken: {token, …}}' }, otherResponses: { 409: 'The account exists (AccountAlreadyExistsException).' } },
  { method: 'get', path: '/v1/accounts', tag: 'access', auth: 'operator', scope: 'system', summary: 'List accounts (operator)', response: json('{accounts}') },
  { method: 'post', path: '/v1/tokens', tag: 'access', auth: 'admin', scope: 'account', summary: "Create an api token (viewer, deployer, admin) or an agent enrollment token (enroll) in the caller's account, optionally expiring; the secret is shown once", body: CreateTokenBody, response: { status: 201, description: '{tokenId, token, name, role, accountId, createTime, expiresAt?}' } },
  { method: 'get', path: '/v1/tokens', tag: 'access', auth: 'admin', scope: 'account', summary: "The account's tokens (never their secrets)", response: json('{tokens}') },
  { method: 'delete', path: '/v1/tokens/:tokenId', tag: 'access', auth: 'admin', scope: 'token', summary: 'Revoke a token: it stops working at once', params: { tokenId: TokenIdSchema }, response: json('The token, with revokeTime') },
  { method: 'post', path: '/v1/grants', tag: 'access', auth: 'admin', scope: 'group', summary: "Let another account deploy to (deployer) or read (viewer) one of this account's deployment groups, optionally until a time", body: CreateGrantBody, response: { status: 201, description: 'The grant' } },
  { method: 'get', path: '/v1/grants', tag: 'access', auth: 'admin', scope: 'account', summary: 'Grants this account gave and holds', response: json('{given, received}') },
  { method: 'delete', path: '/v1/grants/:grantId', tag: 'access', auth: 'admin', scope: 'grant', summary: 'Delete a grant this account gave: it stops working at once', params: { grantId: GrantIdSchema }, response: json('The grant deleted') },
  { method: 'get', path: '/v1/audit', tag: 'access', auth: 'admin', scope: 'account', summary: "The account's audit log, newest first: every write by its tokens, and every write another account made through its grants", query: AuditQuery, response: json('{entries, nextBefore?}') },

  // Agent protocol (shared/protocol.ts)
  { method: 'post', path: '/agent/v1/register', tag: 'agent protocol', auth: 'enroll', scope: 'system', summary: 'Register an instance: enrollment token in, instance token out', body: RegisterRequest, response: { status: 201, description: 'The instance token', schema: RegisterResponse } },
  { method: 'post', path: '/agent/v1/poll', tag: 'agent protocol', auth: 'instance', scope: 'system', summary: 'Long-poll for commands (also the heartbeat)', body: PollRequest, response: json('Commands to run, commands to cancel', PollResponse) },
  { method: 'post', path: '/agent/v1/commands/:id/report', tag: 'agent protocol', auth: 'instance', scope: 'system', summary: 'Report event results, script output (by event) and completion; idempotent', params: { id: CommandIdSchema }, body: ReportRequest, response: json('Accepted, and whether to cancel', ReportResponse) },
  { method: 'get', path: '/agent/v1/bundles/:digest', tag: 'agent protocol', auth: 'instance', scope: 'system', summary: 'Download a revision bundle by its sha256', params: { digest: DigestSchema }, response: { description: 'The bundle', contentType: 'application/octet-stream' } },
];
