// Cutover's sample app: a dependency-free HTTP server that says which version it runs and where.
// GET / answers {"app","version","host"}; GET /healthz answers 200 for ValidateService.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const port = Number(process.env.APP_PORT ?? 8080);
// VERSION sits next to this file; read once, so the answer is the revision that was started.
const version = readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
const host = process.env.HOST_LABEL || hostname();

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  if (path === '/') return send(res, 200, { app: 'cutover-sample', version, host });
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  return send(res, 404, { error: 'not found' });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`${new Date().toISOString()} cutover-sample ${version} listening on 127.0.0.1:${port} as ${host}`);
});

// ApplicationStop sends SIGTERM: stop accepting, let open requests finish (5 s at most), then leave.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${new Date().toISOString()} ${signal}: stopping`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
