/**
 * The agent's api client against a real HTTP server: a busy api's deadline (408), its rate limit
 * (429) and its own errors (5xx) are asked again until the answer comes; any other refusal (404:
 * the command is unknown) is the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentApiClient, AgentApiError, retryable } from '../../agent/api-client.js';

let server: Server;
let baseUrl: string;
/** Statuses the server answers in turn before it accepts a report. */
let refusals: number[] = [];
let reports = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      reports++;
      const status = refusals.shift();
      res.setHeader('content-type', 'application/json');
      if (status) {
        res.statusCode = status;
        res.end(JSON.stringify({ error: { code: `E${status}`, message: `refused with ${status}`, details: {} } }));
        return;
      }
      res.end(JSON.stringify({ accepted: true, cancel: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function client(): { api: AgentApiClient; retries: string[]; stop: () => void } {
  const controller = new AbortController();
  const retries: string[] = [];
  const api = new AgentApiClient(baseUrl, controller.signal, (what, err) => retries.push(`${what}: ${(err as Error).message}`), { baseDelayMs: 5, maxDelayMs: 20 });
  api.useToken('cti_test');
  return { api, retries, stop: () => controller.abort() };
}

const report = { events: [], logs: [], logSeq: 0, complete: false };

describe('agent api retries', () => {
  it('asks again after 408, 429 and 503, and delivers the report', async () => {
    refusals = [408, 429, 503];
    reports = 0;
    const { api, retries, stop } = client();
    try {
      await expect(api.report('d-AAAAAAAAA.host-1.ApplicationStop', report as never)).resolves.toEqual({ accepted: true, cancel: false });
      expect(reports).toBe(4);
      expect(retries).toHaveLength(3);
    } finally {
      stop();
    }
  });

  it('takes a 404 as the answer, without asking again', async () => {
    refusals = [404];
    reports = 0;
    const { api, retries, stop } = client();
    try {
      const refused = await api.report('d-AAAAAAAAA.host-1.ApplicationStop', report as never).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AgentApiError);
      expect((refused as AgentApiError).status).toBe(404);
      expect(reports).toBe(1);
      expect(retries).toEqual([]);
    } finally {
      stop();
    }
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
  ])('status %i is retried: %s', (status, expected) => {
    expect(retryable(status)).toBe(expected);
  });
});
