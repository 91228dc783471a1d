/**
 * docker-compose.yml must keep working as the code moves: every service's command names an npm
 * script that exists, that script's entry file exists and is not kept out of the image, each
 * build's Dockerfile exists, and Redis runs as the system of record (AOF on, no eviction).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string> | string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

// `merge: true` resolves the `<<: *anchor` keys the file uses, as Compose does.
const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const services = Object.entries(compose.services);
const built = services.filter(([, s]) => s.build !== undefined);

/** A command as its words: Compose accepts a string (split on spaces) or a list. */
function words(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

/** The npm script a command runs (`npm start` → start, `npm run api` → api), if it runs one. */
function npmScriptOf(command: string[]): string | undefined {
  if (command[0] !== 'npm') return undefined;
  if (command[1] === 'start' || command[1] === 'test') return command[1];
  if (command[1] === 'run' || command[1] === 'run-script') return command[2];
  return undefined;
}

/** Files an npm script runs: the words that look like a source path (`tsx api/main.ts` → api/main.ts). */
function entryFilesOf(script: string): string[] {
  return script.split(/\s+/).filter((word) => /^[\w./-]+\.(?:ts|mts|js|mjs|cjs|sh)$/.test(word));
}

function dockerIgnored(): string[] {
  const file = path.join(repoRoot, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/^\/+|\/+$/g, ''))
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('docker-compose.yml', () => {
  it('has redis, api, workers and three agents', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'api', 'workers', 'agent-1', 'agent-2', 'agent-3']));
  });

  it('runs Redis with the append-only file on and noeviction', () => {
    const command = words(compose.services.redis.command).join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
  });

  it('gives every built service an npm command', () => {
    expect(built.length).toBeGreaterThan(0);
    for (const [name, service] of built) {
      expect(npmScriptOf(words(service.command)), `${name}: command should be "npm run <script>" or "npm start"`).toBeDefined();
    }
  });

  it.each(built)('%s runs an npm script that exists, whose entry file is in the image', (name, service) => {
    const scriptName = npmScriptOf(words(service.command));
    expect(scriptName, `${name} has no npm command`).toBeDefined();
    const script = scripts[scriptName!];
    expect(script, `${name} runs "npm run ${scriptName}", which package.json does not define`).toBeDefined();
    const files = entryFilesOf(script);
    expect(files.length, `package.json script "${scriptName}" (${script}) names no entry file`).toBeGreaterThan(0);
    for (const file of files) {
      expect(existsSync(path.join(repoRoot, file)), `${scriptName} → ${file} does not exist`).toBe(true);
      const topLevel = file.replace(/^\.\//, '').split('/')[0];
      expect(dockerIgnored(), `${file} is excluded from the image by .dockerignore`).not.toContain(topLevel);
    }
  });

  it.each(built)('%s builds from a Dockerfile that exists', (_name, service) => {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
    const dockerfile = path.resolve(repoRoot, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
    expect(existsSync(dockerfile), `${dockerfile} does not exist`).toBe(true);
  });

  it('points the api and the workers at the redis service and lets the api listen beyond its container', () => {
    for (const name of ['api', 'workers']) {
      expect(compose.services[name].environment).toMatchObject({ REDIS_URL: 'redis://redis:6379' });
    }
    expect(compose.services.api.environment).toMatchObject({ HOST: '0.0.0.0' });
  });

  it('starts agents with the flags the agent requires', () => {
    for (const name of ['agent-1', 'agent-2', 'agent-3']) {
      const command = words(compose.services[name].command);
      for (const flag of ['--api', '--enroll-token', '--name', '--tags', '--root']) {
        expect(command, `${name} lacks ${flag}`).toContain(flag);
      }
      expect(command[command.indexOf('--name') + 1]).toBe(name);
    }
  });
});

describe('the helpers the checks above rely on', () => {
  it('read npm commands', () => {
    expect(npmScriptOf(['npm', 'run', 'api'])).toBe('api');
    expect(npmScriptOf(['npm', 'start'])).toBe('start');
    expect(npmScriptOf(['npm', 'run', 'agent', '--', '--name', 'x'])).toBe('agent');
    expect(npmScriptOf(['node', 'api/main.ts'])).toBeUndefined();
  });

  it('find entry files in scripts', () => {
    expect(entryFilesOf('tsx api/main.ts')).toEqual(['api/main.ts']);
    expect(entryFilesOf('bash scripts/test.sh')).toEqual(['scripts/test.sh']);
    expect(entryFilesOf('tsc --noEmit')).toEqual([]);
  });
});
