/**
 * The agent's HTTP client for /agent/v1. Every answer is parsed with the protocol's schemas.
 * Transient failures (network errors, 5xx, 429, 408) are retried with capped exponential backoff and
 * jitter, so an api restart only delays an agent; 4xx answers are returned as AgentApiError.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as z from 'zod';
import {
  PollResponse,
  RegisterResponse,
  ReportResponse,
  type PollRequest,
  type RegisterRequest,
  type ReportRequest,
} from '../shared/protocol.js';
import { JsonHttp, readJson, type JsonAnswer } from './http-json.js';

export class AgentApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  /** First delay; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * How long a request may take before the agent gives up and retries it. Generous on purpose: a
 * request the agent abandons is usually still served by a busy api, and its retry is more work on
 * top (5000-host bench: ~60 000 abandoned requests at 30 s). A dead connection is noticed at once
 * (reset or refused) whatever this is.
 */
const REQUEST_TIMEOUT_MS = 90_000;
/** How long a bundle download may take, body included. */
const DOWNLOAD_TIMEOUT_MS = 600_000;

export class AgentApiClient {
  private token = '';
  private readonly http: JsonHttp;

  constructor(
    private readonly baseUrl: string,
    private readonly signal: AbortSignal,
    private readonly onRetry: (what: string, err: unknown, attempt: number) => void,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.http = new JsonHttp(baseUrl);
    // Idle keep-alive sockets go with the agent.
    signal.addEventListener('abort', () => this.http.close(), { once: true });
  }

  useToken(token: string): void {
    this.token = token;
  }

  register(enrollToken: string, body: RegisterRequest): Promise<RegisterResponse> {
    return this.call('register', 'POST', '/agent/v1/register', RegisterResponse, body, enrollToken);
  }

  poll(body: Omit<PollRequest, 'waitMs'>, waitMs: number): Promise<PollResponse> {
    return this.call('poll', 'POST', '/agent/v1/poll', PollResponse, { ...body, waitMs }, this.token, waitMs + REQUEST_TIMEOUT_MS);
  }

  report(commandId: string, body: ReportRequest): Promise<ReportResponse> {
    return this.call('report', 'POST', `/agent/v1/commands/${encodeURIComponent(commandId)}/report`, ReportResponse, body, this.token);
  }

  /** The bundle body as a stream; the caller hashes and stores it (and must read it to the end). */
  async downloadBundle(digest: string): Promise<Readable> {
    return this.withRetry('download', async () => {
      const request = this.requestSignal(DOWNLOAD_TIMEOUT_MS);
      try {
        const res = await this.http.get(`${this.baseUrl}/agent/v1/bundles/${digest}`, this.token, request.signal);
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) throw new AgentApiError(status, errorMessage(await readJson(res)));
        // The timeout and the stop signal cover the body too: released once it is read or has failed.
        res.once('close', request.release);
        return res;
      } catch (err) {
        request.release();
        throw err;
      }
    });
  }

  private call<T extends z.ZodType>(
    what: string,
    method: string,
    path: string,
    schema: T,
    body: unknown,
    token: string,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<z.infer<T>> {
    return this.withRetry(what, async () => {
      const request = this.requestSignal(timeoutMs);
      let parsed: z.ZodSafeParseResult<z.infer<T>>;
      try {
        const res = await this.http.request(`${this.baseUrl}${path}`, method, token, body, request.signal);
        if (res.status < 200 || res.status >= 300) throw new AgentApiError(res.status, errorMessage(res));
        parsed = schema.safeParse(res.body);
      } finally {
        request.release();
      }
      if (!parsed.success) throw new AgentApiError(502, `unexpected ${what} answer from the api: ${parsed.error.message}`);
      return parsed.data;
    });
  }

  /**
   * A signal for one request: aborted by the agent stopping or by the timeout. Made by hand, not
   * with AbortSignal.any, which on Node 20 leaves an entry on the long-lived stop signal per call
   * (the agent's memory grew with every request).
   */
  private requestSignal(timeoutMs: number): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const onStop = () => controller.abort(this.signal.reason);
    const timer = setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), timeoutMs);
    if (this.signal.aborted) controller.abort(this.signal.reason);
    else this.signal.addEventListener('abort', onStop, { once: true });
    return {
      signal: controller.signal,
      release: () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onStop);
      },
    };
  }

  private async withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (this.signal.aborted) throw err;
        if (err instanceof AgentApiError && !retryable(err.status)) throw err;
        this.onRetry(what, err, n + 1);
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.min(n, 16));
        await sleep(delay / 2 + Math.random() * (delay / 2), undefined, { signal: this.signal }).catch(() => undefined);
        if (this.signal.aborted) throw err;
      }
    }
  }
}

/**
 * A refusal worth asking again: the api's own trouble (5xx), its rate limit (429), and its request
 * deadline (408: a busy api gave up on the request, whose handling is idempotent — polls, reports
 * and downloads all are). Any other 4xx is a real answer (unknown command, bad token).
 */
export function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function errorMessage(res: JsonAnswer): string {
  const error = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return error?.message ? `${error.code ?? res.status}: ${error.message}` : `${res.status} ${res.statusText}`;
}

