/**
 * Bundles for the load balancer tests, built in temp dirs (examples/ stays untouched):
 *  - the sample app at a version, optionally with a ValidateService that fails on one host;
 *  - a "slow app": `/slow?ms=N` answers after N ms, and its ApplicationStop kills the server
 *    with SIGKILL, so a request still in flight when the host is stopped would fail — only the
 *    load balancer's draining can save it.
 */
import { chmod, cp, mkdtemp, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';
import { makeBundle, packDir } from './bundles.js';

export async function sampleAppVariant(version: string, options: { validateFailsOn?: string } = {}): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cutover-lb-sample-'));
  await cp(path.join(REPO_ROOT, 'examples', 'sample-app'), dir, { recursive: true });
  await writeFile(path.join(dir, 'app', 'VERSION'), `${version}\n`);
  if (options.validateFailsOn) {
    const scripts = path.join(dir, 'scripts');
    await rename(path.join(scripts, 'validate-service.sh'), path.join(scripts, 'validate-service-real.sh'));
    const wrapper = [
      '#!/usr/bin/env bash',
      'set -eu',
      `if [ "\${HOST_LABEL:-}" = "${options.validateFailsOn}" ]; then echo "ValidateService: this host refuses the revision" >&2; exit 4; fi`,
      'exec "$(dirname "$0")/validate-service-real.sh"',
      '',
    ].join('\n');
    await writeFile(path.join(scripts, 'validate-service.sh'), wrapper);
    await chmod(path.join(scripts, 'validate-service.sh'), 0o755);
  }
  return packDir(dir);
}

const SLOW_SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const version = readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
const host = process.env.HOST_LABEL;
const send = (res, body) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') return send(res, { status: 'ok' });
  if (url.pathname === '/slow') return setTimeout(() => send(res, { version, host, slow: true }), Number(url.searchParams.get('ms') ?? 1000));
  send(res, { version, host });
}).listen(Number(process.env.APP_PORT), '127.0.0.1');
`;

const COMMON = `
RUN_DIR="\${CUTOVER_INSTALL_ROOT:-}/var/run/slow-app"
PID_FILE="$RUN_DIR/server.pid"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$APP_PORT") 2>/dev/null; }
`;

/** With `trafficHooks`, each of the four traffic hooks echoes "<event> from revision <version>". */
export async function slowAppBundle(version: string, options: { trafficHooks?: boolean } = {}): Promise<Buffer> {
  const echo = (event: string) => ({ script: `echo "${event} from revision ${version}"` });
  const trafficHooks = options.trafficHooks
    ? Object.fromEntries(['BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'].map((e) => [e, echo(e)]))
    : {};
  return makeBundle({
    files: { 'app/server.mjs': SLOW_SERVER, 'app/VERSION': `${version}\n` },
    install: [{ source: 'app', destination: '/opt/slow-app' }],
    hooks: {
      ...trafficHooks,
      ApplicationStop: {
        script: `${COMMON}
if [ -f "$PID_FILE" ]; then kill -KILL "$(cat "$PID_FILE")" 2>/dev/null || true; rm -f "$PID_FILE"; fi
for _ in $(seq 1 50); do port_open || exit 0; sleep 0.1; done
echo "port $APP_PORT still in use" >&2; exit 1`,
      },
      ApplicationStart: {
        script: `${COMMON}
mkdir -p "$RUN_DIR"
for _ in $(seq 1 50); do port_open || break; sleep 0.1; done
setsid nohup node "\${CUTOVER_INSTALL_ROOT:-}/opt/slow-app/server.mjs" >"$RUN_DIR/server.log" 2>&1 </dev/null &
echo $! >"$PID_FILE"
for _ in $(seq 1 50); do port_open && exit 0; sleep 0.1; done
echo "the slow app did not start" >&2; cat "$RUN_DIR/server.log" >&2; exit 1`,
      },
      ValidateService: {
        script: `node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$APP_PORT/healthz"`,
      },
    },
  });
}
