/**
 * A load loop for zero-downtime tests: a few keep-alive connections on loopback, each sending its
 * next GET as soon as the previous answer is read — no pause, no retry (a retry would hide the
 * very failure the test looks for). Bounded in count and time. Every answer must be a 200 with
 * the sample app's JSON `{version, host}`; anything else is a failure, kept with its time.
 */
import http from 'node:http';

export interface LoadReport {
  sent: number;
  ok: number;
  failures: { at: string; what: string }[];
  byVersion: Record<string, number>;
  byHost: Record<string, number>;
  seconds: number;
}

export interface LoadLoop {
  /** Stop sending, wait for answers in flight, report. */
  stop(): Promise<LoadReport>;
  /** Resolves when the loop ends by itself (count or time bound). */
  finished: Promise<LoadReport>;
}

export function startLoadLoop(url: string, options: { concurrency?: number; maxRequests?: number; maxMs?: number } = {}): LoadLoop {
  const { concurrency = 3, maxRequests = 200_000, maxMs = 120_000 } = options;
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const report: LoadReport = { sent: 0, ok: 0, failures: [], byVersion: {}, byHost: {}, seconds: 0 };
  const started = Date.now();
  let stopping = false;
  const fail = (what: string) => {
    if (report.failures.length < 50) report.failures.push({ at: new Date().toISOString(), what });
    else report.failures.push({ at: '', what: '…' });
  };

  const one = () =>
    new Promise<void>((resolve) => {
      report.sent++;
      const req = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          else {
            try {
              const body = JSON.parse(text) as { version?: unknown; host?: unknown };
              report.ok++;
              report.byVersion[String(body.version)] = (report.byVersion[String(body.version)] ?? 0) + 1;
              report.byHost[String(body.host)] = (report.byHost[String(body.host)] ?? 0) + 1;
            } catch {
              fail(`not JSON: ${text.slice(0, 200)}`);
            }
          }
          resolve();
        });
        res.on('error', (err) => {
          fail(`response error: ${err.message}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        fail(`request error: ${err.code ?? ''} ${err.message}`);
        resolve();
      });
    });

  const worker = async () => {
    while (!stopping && report.sent < maxRequests && Date.now() - started < maxMs) await one();
  };
  const finished = Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
    agent.destroy();
    report.seconds = (Date.now() - started) / 1000;
    return report;
  });
  return {
    finished,
    stop() {
      stopping = true;
      return finished;
    },
  };
}

/** `count` sequential requests; the answers' hosts and versions (for "every response comes from…"). */
export function sample(url: string, count: number): Promise<LoadReport> {
  return startLoadLoop(url, { concurrency: 1, maxRequests: count }).finished;
}
