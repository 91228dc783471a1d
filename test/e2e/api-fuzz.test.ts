/**
 * Property-based fuzzing of every JSON body and query string the API documents: the routes come
 * from api/openapi-routes.ts (a new route with a `body` or `query` schema is fuzzed without a
 * change here; GET routes without a query schema get junk queries), the values from those zod
 * schemas (test/helpers/fuzz-values.ts). At least 10,000 requests, one at a time, and for each:
 *   - never a 5xx
 *   - ≥ 400 answers {"error":{"code","message","details"}}
 *   - a rejected request writes nothing: a digest of every store key (DUMP of each, computed in
 *     Redis) is the same after it as before. Accepted (2xx) requests may write; they are counted
 *     and the digest taken after them is the next baseline.
 * The api runs alone (workers stopped once the fixtures exist) on a Redis of the test's own, so
 * nothing else moves the store. Left out of the digest, as in api-input.test.ts: BullMQ's keys
 * and the notifier's dispatch lock; the api's rate-limit counters (api/edges/rate-limit.ts) sit
 * under their own hash tag `{<prefix>:ratelimit}`, outside the store's `{<prefix>}` keys: they
 * count every request by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { ROUTE_DOCS } from '../../api/openapi-routes.js';
import type { RouteDoc } from '../../api/openapi.js';
import { routeKind } from '../../api/edges/route-kinds.js';
import { TestSystem } from '../helpers/system.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { makeBundle } from '../helpers/bundles.js';
import { encodeAny, jsonSchemaOf, junk, queryString, wireBody, type KnownValues, type WireBody } from '../helpers/fuzz-values.js';

const TOTAL_REQUESTS = 10_000;
/** A long poll or SSE stream still open after this is an accepted request, held: the client lets go. */
const HOLD_MS = 400;

/**
 * ARGV[1] the KEYS pattern of the store's keys. Returns one `key=sha1(content)` line per key,
 * sorted, BullMQ's keys, the notifier's lock and cursor and the audit log left out (isRecordKey's rule, in Lua).
 * The content, not DUMP: a large hash or set is a hash table whose incremental rehashing moves on
 * with plain reads (an HSETNX that finds its field), reordering what DUMP serializes while nothing
 * was written. So hashes and sets are read and sorted; the other types keep their own order.
 */
const DIGEST_LUA = `
local function content(key)
  local kind = redis.call('TYPE', key).ok
  local items
  if kind == 'hash' then
    local flat = redis.call('HGETALL', key)
    items = {}
    for i = 1, #flat, 2 do items[#items + 1] = flat[i] .. string.char(0) .. flat[i + 1] end
    table.sort(items)
  elseif kind == 'set' then
    items = redis.call('SMEMBERS', key)
    table.sort(items)
  elseif kind == 'string' then
    items = {redis.call('GET', key)}
  elseif kind == 'list' then
    items = redis.call('LRANGE', key, 0, -1)
  elseif kind == 'zset' then
    items = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  else
    items = {redis.call('DUMP', key) or ''}
  end
  return kind .. string.char(1) .. table.concat(items, string.char(1))
end
local keys = redis.call('KEYS', ARGV[1])
table.sort(keys)
local parts = {}
for _, key in ipairs(keys) do
  if not string.find(key, ':bull:', 1, true) and string.sub(key, -21) ~= ':notify:dispatch-lock' and string.sub(key, -14) ~= ':notify:cursor' and not string.find(key, ':audit:', 1, true) then
    if redis.call('EXISTS', key) == 1 then parts[#parts + 1] = key .. '=' .. redis.sha1hex(content(key)) end
  end
end
return parts`;

type DigestRedis = Redis & { storeDigest(pattern: string): Promise<string[]> };

let ownRedis: OwnRedis;
let sys: TestSystem;
let redis: DigestRedis;
let known: KnownValues;
let params: Record<string, string>;
let instanceToken: string;

interface Outcome {
  status: number;
  body?: unknown;
  held?: boolean;
}

const tally = { sendMs: 0, digestMs: 0, requests: 0, accepted: 0, held: 0, rejected: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  ownRedis = await OwnRedis.start();
  sys = await TestSystem.start({ label: 'fuzz', split: true, redisUrl: ownRedis.url, env: { LOG_LEVEL: 'warn', CUTOVER_POLL_WAIT_SECONDS: '1' } });
  // The api alone: no worker moves a deployment, sweeps instances or sends notifications.
  await sys.workers?.kill();
  redis = new Redis(ownRedis.url, { maxRetriesPerRequest: null }) as DigestRedis;
  redis.defineCommand('storeDigest', { numberOfKeys: 0, lua: DIGEST_LUA });

  await sys.rest.createApplication('shop');
  await sys.rest.createGroup('shop', 'prod', 'CodeDeployDefault.AllAtOnce', { app: 'shop' });
  const digest = await sys.rest.upload('shop', await makeBundle({ hooks: { AfterInstall: { script: 'true' } } }));
  const deploymentId = await sys.rest.deploy('shop', 'prod', digest);
  const registered = await fetch(`${sys.apiUrl}/agent/v1/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.enrollToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'fuzz-host', tags: { app: 'shop' } }),
  });
  instanceToken = ((await registered.json()) as { instanceToken: string }).instanceToken;
  params = { app: 'shop', group: 'prod', id: deploymentId, instanceId: 'fuzz-host', name: 'fuzz-host', provider: 'github', deliveryId: 'delivery-1', digest };
  known = { strings: ['shop', 'prod', digest, deploymentId, 'fuzz-host', 'CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.OneAtATime', 'Bundle', 'Succeeded', 'InProgress', 'app'] };
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
  await ownRedis?.stop();
});

/** The store as `key=sha1` lines; compared whole, and a difference names the keys that changed. */
async function storeDigest(): Promise<string> {
  return (await redis.storeDigest(`{${sys.prefix}}*`)).join('\n');
}

function changedKeys(before: string, after: string): string {
  const lines = (text: string) => new Set(text.split('\n'));
  const [a, b] = [lines(before), lines(after)];
  const keyOf = (line: string) => line.slice(0, line.lastIndexOf('='));
  const changed = new Set([...a].filter((l) => !b.has(l)).concat([...b].filter((l) => !a.has(l))).map(keyOf));
  return [...changed].join(', ');
}

function tokenFor(route: RouteDoc): string | undefined {
  // The bootstrap admin is the default account's admin, the operator: every api route is open to it.
  if (route.auth === 'viewer' || route.auth === 'deployer' || route.auth === 'admin' || route.auth === 'operator') return sys.adminToken;
  if (route.auth === 'enroll') return sys.enrollToken;
  if (route.auth === 'instance') return instanceToken;
  return undefined;
}

/** Path parameters: the fixtures' real names mostly, sometimes junk. */
function pathArb(route: RouteDoc): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  if (names.length === 0) return fc.constant(route.path);
  const value = (name: string) =>
    fc.oneof(
      { arbitrary: fc.constant(name === 'id' && route.path.startsWith('/agent/') ? 'cmd-fuzz-1' : (params[name] ?? 'x')), weight: 9 },
      { arbitrary: junk(known).map((j) => encodeAny(typeof j === 'string' ? j.slice(0, 200) : String(JSON.stringify(j)).slice(0, 200)) || '%20'), weight: 1 },
    );
  return fc.tuple(...names.map(value)).map((values) => names.reduce((p, name, i) => p.replace(`:${name}`, values[i]), route.path));
}

async function send(route: RouteDoc, path: string, query: string, body: WireBody | undefined): Promise<Outcome> {
  const stream = routeKind(route.method.toUpperCase(), path) === 'stream';
  const controller = new AbortController();
  const timer = stream ? setTimeout(() => controller.abort(), HOLD_MS) : undefined;
  const token = tokenFor(route);
  try {
    const res = await fetch(`${sys.apiUrl}${path}${query ? `?${query}` : ''}`, {
      method: route.method.toUpperCase(),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body?.contentType ? { 'content-type': body.contentType } : {}) },
      body: body?.text,
      signal: controller.signal,
    });
    if (res.status < 400 && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      controller.abort();
      return { status: res.status, held: true };
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the shape check below says so
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    if (stream && controller.signal.aborted) {
      // Let the api see the close (a held poll records nothing once its client is gone).
      await new Promise((r) => setTimeout(r, 20));
      return { status: 200, held: true };
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

interface Generated {
  path: string;
  query: string;
  body?: WireBody;
}

function requestArb(route: RouteDoc): fc.Arbitrary<Generated> {
  const body = route.body && !('contentTypes' in route.body) ? wireBody(jsonSchemaOf(route.body), known) : fc.constant(undefined);
  const query = route.query ? queryString(jsonSchemaOf(route.query), known) : route.method === 'get' ? queryString({}, known) : fc.constant('');
  return fc.record({ path: pathArb(route), query, body });
}

/**
 * Every route with a JSON body or a query schema (raw bodies — bundles, git-host payloads — are
 * fuzzed in hostile-uploads and git-webhooks tests), and every other GET with junk queries (fewer runs).
 */
const hasSchema = (r: RouteDoc) => Boolean((r.body && !('contentTypes' in r.body)) || r.query);
const FUZZED = ROUTE_DOCS.filter((r) => hasSchema(r) || r.method === 'get');
const PLAIN_GET_RUNS = 60;
const SCHEMA_RUNS = Math.ceil((TOTAL_REQUESTS - PLAIN_GET_RUNS * FUZZED.filter((r) => !hasSchema(r)).length) / FUZZED.filter(hasSchema).length);

describe('fuzzed REST input', () => {
  it(`answers ${TOTAL_REQUESTS}+ generated requests without a 5xx, with the error shape, and writes nothing when it refuses`, async () => {
    let baseline = await storeDigest();
    await new Promise((r) => setTimeout(r, 500));
    expect(await storeDigest(), 'the store is quiet before fuzzing').toBe(baseline);
    const started = Date.now();
    for (const route of FUZZED) {
      await fc.assert(
        fc.asyncProperty(requestArb(route), async ({ path, query, body }) => {
          const what = `${route.method.toUpperCase()} ${path}${query ? `?${query.slice(0, 300)}` : ''} body ${body?.contentType ?? '-'} ${body?.text?.slice(0, 300) ?? ''}`;
          const t0 = performance.now();
          const outcome = await send(route, path, query, body);
          const t1 = performance.now();
          tally.sendMs += t1 - t0;
          tally.requests++;
          if (tally.requests % 1000 === 0) console.log(`fuzz: ${tally.requests} requests, ${((Date.now() - started) / 1000).toFixed(1)} s (sending ${(tally.sendMs / 1000).toFixed(1)} s, digests ${(tally.digestMs / 1000).toFixed(1)} s)`);
          tally.byStatus.set(outcome.status, (tally.byStatus.get(outcome.status) ?? 0) + 1);
          expect(outcome.status, `${what} → ${JSON.stringify(outcome.body)?.slice(0, 500)}`).toBeLessThan(500);
          const after = await storeDigest();
          tally.digestMs += performance.now() - t1;
          if (outcome.status >= 400) {
            tally.rejected++;
            const error = (outcome.body as { error?: Record<string, unknown> } | undefined)?.error;
            expect(error, `${what}: the error shape`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
            expect(error, `${what}: the error shape`).toHaveProperty('details');
            expect(after === baseline, `${what} → ${outcome.status} wrote to the store: ${changedKeys(baseline, after)}`).toBe(true);
          } else {
            tally.accepted++;
            // Registering the fixture's name again gives it a new token (and voids the old one).
            const registered = outcome.body as { instanceName?: string; instanceToken?: string } | undefined;
            if (route.path === '/agent/v1/register' && registered?.instanceName === 'fuzz-host' && registered.instanceToken) instanceToken = registered.instanceToken;
            if (outcome.held) tally.held++;
          }
          baseline = after;
        }),
        { numRuns: hasSchema(route) ? SCHEMA_RUNS : PLAIN_GET_RUNS, endOnFailure: true, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );
    }
    const seconds = (Date.now() - started) / 1000;
    const statuses = [...tally.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`fuzz: ${tally.requests} requests over ${FUZZED.length} routes (${FUZZED.filter(hasSchema).length} with schemas, ${SCHEMA_RUNS} runs each) in ${seconds.toFixed(1)} s; accepted ${tally.accepted} (${tally.held} held streams), rejected ${tally.rejected}; ${statuses}; sending ${(tally.sendMs / 1000).toFixed(1)} s, digests ${(tally.digestMs / 1000).toFixed(1)} s`);
    expect(tally.requests).toBeGreaterThanOrEqual(TOTAL_REQUESTS);
    expect(tally.rejected).toBeGreaterThan(TOTAL_REQUESTS / 2);
  }, 420_000);
});
