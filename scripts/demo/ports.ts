/** Free TCP ports on 127.0.0.1, preferring memorable ones (3000, 8081, ...) when they are free. */
import net from 'node:net';

/** Resolves with the port when it could be bound on 127.0.0.1, else undefined. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Picks `count` distinct free ports: the preferred ones when free, else whatever the kernel
 * hands out. A port is only free at the moment of the check; the demo uses them right away.
 */
export async function freePorts(preferred: number[]): Promise<number[]> {
  const chosen: number[] = [];
  for (const wanted of preferred) {
    let port = chosen.includes(wanted) ? undefined : await tryListen(wanted);
    while (port === undefined || chosen.includes(port)) port = await tryListen(0);
    chosen.push(port);
  }
  return chosen;
}
