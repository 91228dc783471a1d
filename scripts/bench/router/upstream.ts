/**
 * The benchmark's upstream: `node --import tsx upstream.ts PORT...`, one small HTTP server per
 * port in this process, answering like the sample app (a short JSON body at /, 200 at /healthz).
 * Prints "ready" once every port listens.
 */
import http from 'node:http';

const ports = process.argv.slice(2).map(Number);
let listening = 0;
for (const port of ports) {
  const body = Buffer.from(`${JSON.stringify({ app: 'bench-upstream', version: '1', host: `upstream-${port}` })}\n`);
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
      res.end('ok\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => {
    listening++;
    if (listening === ports.length) console.log('ready');
  });
}
process.on('SIGTERM', () => process.exit(0));
