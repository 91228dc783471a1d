/**
 * The Lua scripts behind every guarded transition (see each file's header for keys, arguments
 * and results), registered once per connection.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Redis } from 'ioredis';

const SCRIPT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lua');

const SCRIPTS = [
  'create-deployment',
  'claim-group',
  'start-deployment',
  'close-deployment',
  'release-targets',
  'skip-waiting',
  'write-target',
  'append-log',
  'request-stop',
  'cancel-command',
  'settle-rollback',
  'mark-revision-used',
  'link-rollback',
  'write-blue-green',
  'register-instance',
  'deregister-instance',
  'put-token',
] as const;
export type ScriptName = (typeof SCRIPTS)[number];

/** Scripts that record deployment events get the `emit` prelude (see lua/_events.lua). */
const EVENTS_PRELUDE = readFileSync(path.join(SCRIPT_DIR, '_events.lua'), 'utf8');
const WITHOUT_EVENTS: readonly ScriptName[] = ['append-log', 'cancel-command', 'mark-revision-used', 'register-instance', 'deregister-instance', 'put-token'];

const sources = new Map<ScriptName, string>(
  SCRIPTS.map((name) => {
    const body = readFileSync(path.join(SCRIPT_DIR, `${name}.lua`), 'utf8');
    return [name, WITHOUT_EVENTS.includes(name) ? body : `${EVENTS_PRELUDE}\n${body}`];
  }),
);

const registered = new WeakSet<Redis>();

function commandName(name: ScriptName): string {
  return `cutover_${name.replace(/-/g, '_')}`;
}

/**
 * Define every script on a connection. Done when the connection is made (createRedis): with
 * auto-pipelining, a command defined after the connection's current pipeline was started is
 * missing from it ("pipeline[functionName] is not a function"); runScript defines them lazily
 * for connections made elsewhere.
 */
export function registerScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const [scriptName, lua] of sources) redis.defineCommand(commandName(scriptName), { lua });
  registered.add(redis);
}

/** Run a script by name; ioredis sends EVALSHA and falls back to EVAL after a Redis restart. */
export async function runScript(redis: Redis, name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
  registerScripts(redis);
  const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[commandName(name)];
  return fn.call(redis, keys.length, ...keys, ...args);
}
