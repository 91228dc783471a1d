/**
 * Requests to the api over node:http(s) with a keep-alive agent: one JSON call (polls, reports)
 * and a streamed GET (bundles). On Node 20 fetch (undici behind WHATWG streams) costs several
 * times the CPU of a plain request (in the fleet bench it was the simulated agents' largest
 * entry, 15 % of their CPU), and its first use loads undici, which the agent then carries for
 * the rest of its life (docs/BENCHMARKS.md, "Agent memory").
 */
import http from 'node:http';
import https from 'node:https';

export interface JsonAnswer {
  status: number;
  statusText: string;
  /** The parsed body; undefined when it is empty or not JSON. */
  body: unknown;
}

export class JsonHttp {
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;

  constructor(baseUrl: string) {
    const secure = new URL(baseUrl).protocol === 'https:';
    // One idle connection kept besides the long poll's: a report or a download that overlaps the
    // poll reuses it, and a burst (a download and a report at once) does not leave a third one
    // open. The api holds every agent's connections: at 5,000 hosts that was ~15,000 sockets.
    const options = { keepAlive: true, maxFreeSockets: 1 };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.send = secure ? https.request : http.request;
  }

  request(url: string, method: string, token: string, body: unknown, signal: AbortSignal): Promise<JsonAnswer> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = this.send(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => readJson(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A GET whose body the caller reads (and must read to the end or destroy, to free the socket).
   * Resolves at the answer's headers, whatever its status.
   */
  get(url: string, token: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.send(url, { method: 'GET', agent: this.agent, signal, headers: { authorization: `Bearer ${token}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The whole answer, its body parsed as JSON when it is. */
export function readJson(res: http.IncomingMessage): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      let parsed: unknown;
      try {
        parsed = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        parsed = undefined;
      }
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: parsed });
    });
  });
}
