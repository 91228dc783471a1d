/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document built from the route table in
 * api/openapi-routes.ts, whose request bodies, queries and path parameters are the very zod
 * schemas the routes validate with (converted by zod's own z.toJSONSchema, JSON Schema 2020-12,
 * which OpenAPI 3.1 uses as is). test/unit/openapi-routes.test.ts fails when a route Express
 * serves is not in the table, or the table names a route Express does not serve.
 */
import * as z from 'zod';
import { ROUTE_DOCS } from './openapi-routes.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * Who may call a route: nobody in particular (`none`), a git host's signature, an enrollment or an
 * instance token, or an api token of at least this role (shared/domain/access.ts). `operator`: an
 * admin token of the default account, which manages accounts. api/middleware/route-roles.ts
 * enforces exactly this field; test/e2e/authz-matrix.test.ts checks every route against it.
 */
export type RouteAuth = 'none' | 'signature' | 'enroll' | 'instance' | 'viewer' | 'deployer' | 'admin' | 'operator';

/**
 * Whose resource a route acts on, which decides what another account's token meets:
 * - `account`: the caller's own account (lists, creates, tokens, grants, audit): another account sees its own;
 * - `application`, `instance`, `config`, `token`, `grant`: one resource of one account: 404 to any other;
 * - `group`, `deployment`: a deployment group, or a deployment of one: 404 to another account unless a grant on the group reaches it;
 * - `revisions`: uploading to an application: reached by a grant on any of its groups;
 * - `system`: the installation itself (open routes, accounts).
 */
export type RouteScope = 'account' | 'application' | 'instance' | 'config' | 'token' | 'grant' | 'group' | 'deployment' | 'revisions' | 'system';

export interface RawBody {
  /** The media type(s) accepted, e.g. `application/gzip`. */
  contentTypes: string[];
  description: string;
}

export interface RouteDoc {
  method: HttpMethod;
  /** The full Express path as mounted, `:name` for parameters (`/v1/deployments/:id`). */
  path: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  scope: RouteScope;
  /** Schemas of path parameters; a parameter not named here is a plain string. */
  params?: Record<string, z.ZodType>;
  /** The query schema (a zod object: each key is a query parameter). */
  query?: z.ZodType;
  /** A JSON body schema, or a raw body (bundles, webhook payloads). */
  body?: z.ZodType | RawBody;
  /** The success answer. */
  response: { status?: number; description: string; contentType?: string; schema?: z.ZodType };
  /** Answers other than success and the common errors, by status. */
  otherResponses?: Record<number, string>;
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }),
});

/** The document, built once per process. */
let cached: object | undefined;
export function openApiDocument(): object {
  cached ??= buildOpenApi(ROUTE_DOCS);
  return cached;
}

export function buildOpenApi(routes: readonly RouteDoc[]): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = openApiPath(route.path);
    paths[key] ??= {};
    paths[key][route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cutover',
      version: '0.1.0',
      description:
        'Self-hosted deployments in the shape of AWS CodeDeploy. REST under /v1 (admin token), the agent protocol under /agent/v1, git-host webhooks under /webhooks. Errors are {"error":{"code","message","details"}}.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody) },
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: "An account's api token with a role (viewer, deployer, admin; x-cutover-role names the least a route needs). CUTOVER_ADMIN_TOKEN seeds an admin of the default account." },
        enrollToken: { type: 'http', scheme: 'bearer', description: "An account's agent enrollment token." },
        instanceToken: { type: 'http', scheme: 'bearer', description: 'An instance token, from /agent/v1/register.' },
      },
    },
  };
}

/** `/v1/deployments/:id` → `/v1/deployments/{id}` (Express 5 `*name` wildcards too). */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}');
}

function operation(route: RouteDoc): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const name of [...route.path.matchAll(/[:*]([A-Za-z0-9_]+)/g)].map((m) => m[1])) {
    const schema = route.params?.[name];
    parameters.push({ name, in: 'path', required: true, schema: schema ? jsonSchema(schema) : { type: 'string' } });
  }
  if (route.query) {
    const query = jsonSchema(route.query) as { properties?: Record<string, { description?: string }>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  const op: Record<string, unknown> = {
    summary: route.summary,
    tags: [route.tag],
    operationId: `${route.method}${openApiPath(route.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    security: security(route.auth),
    'x-cutover-role': route.auth,
    'x-cutover-scope': route.scope,
  };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) {
    op.requestBody = isRaw(route.body)
      ? { required: true, description: route.body.description, content: Object.fromEntries(route.body.contentTypes.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])) }
      : { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } };
  }
  const ok = route.response;
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  op.responses = {
    [String(ok.status ?? 200)]: {
      description: ok.description,
      ...(ok.contentType !== 'none' ? { content: { [ok.contentType ?? 'application/json']: { schema: ok.schema ? jsonSchema(ok.schema, 'output') : {} } } } : {}),
    },
    ...(route.body || route.query || route.params ? { 400: error('The request is invalid; details lists every problem.') } : {}),
    ...(route.auth !== 'none' ? { 401: error('No valid token for this route.') } : {}),
    ...(['viewer', 'deployer', 'admin', 'operator'].includes(route.auth) ? { 403: error("The token's role is below the route's (x-cutover-role).") } : {}),
    ...(route.path.includes(':') ? { 404: error('No such resource.') } : {}),
    ...Object.fromEntries(Object.entries(route.otherResponses ?? {}).map(([status, description]) => [status, error(description)])),
  };
  return op;
}

function security(auth: RouteAuth): unknown[] {
  switch (auth) {
    case 'viewer':
    case 'deployer':
    case 'admin':
    case 'operator':
      return [{ apiToken: [] }];
    case 'enroll':
      return [{ enrollToken: [] }];
    case 'instance':
      return [{ instanceToken: [] }];
    default:
      return [];
  }
}

function isRaw(body: z.ZodType | RawBody): body is RawBody {
  return 'contentTypes' in body;
}

/** A zod schema as JSON Schema 2020-12, as the request side sees it (before transforms). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): object {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}
