/**
 * HAProxy's runtime API over its stats socket (`stats socket <path> level admin`), in
 * non-interactive mode: one command per connection, HAProxy answers and closes. No socat: Node's
 * `net`. The whole exchange is bounded by a deadline, so a stuck or absent HAProxy is an error
 * with a clear sentence, never a hang.
 */
import net from 'node:net';
import { TrafficRouterError } from '../traffic-router.js';

const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export function runtimeCommand(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  if (/[\r\n;]/.test(command)) return Promise.reject(new Error(`refusing to send a runtime API command with a newline or ";": ${command}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, reply?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply ?? '');
    };
    const fail = (message: string) => finish(new TrafficRouterError('haproxy', `HAProxy's runtime API socket ${socketPath} ${message} (command: ${command})`));
    const timer = setTimeout(() => fail(`did not answer within ${timeoutMs} ms`), timeoutMs);
    const socket = net.createConnection(socketPath);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) return fail(`answered more than ${MAX_REPLY_BYTES} bytes`);
      chunks.push(chunk);
    });
    socket.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (err: NodeJS.ErrnoException) => fail(`is unreachable: ${err.code ?? ''} ${err.message}`.replace(/\s+/g, ' ').trim()));
  });
}
