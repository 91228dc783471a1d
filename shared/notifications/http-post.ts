/**
 * POST a body to a Slack or generic webhook and classify the answer: 2xx sent; 429 and 408 and
 * 5xx and network trouble are worth another try (429 after its Retry-After); any other 4xx will
 * not get better by retrying. No error message carries the URL or the answer's headers.
 */
import { maskUrl, scrub } from './mask.js';
import { PermanentSendError, RetryableSendError, type SendResult } from './channel.js';

const MAX_ANSWER_CHARS = 200;

export async function postBody(url: string, body: string, headers: Record<string, string>, timeoutMs: number, secrets: readonly string[] = []): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new RetryableSendError(scrub(`POST to ${maskUrl(url)} failed: ${reason}`, [url, ...secrets]));
  }
  const answer = scrub((await res.text().catch(() => '')).slice(0, MAX_ANSWER_CHARS), [url, ...secrets]);
  if (res.status >= 200 && res.status < 300) return { detail: `HTTP ${res.status}${answer ? ` ${answer}` : ''}`, httpStatus: res.status };
  const message = `HTTP ${res.status} from ${maskUrl(url)}${answer ? `: ${answer}` : ''}`;
  if (res.status === 429) throw new RetryableSendError(message, res.status, retryAfterMs(res.headers.get('retry-after')));
  if (res.status === 408 || res.status >= 500) throw new RetryableSendError(message, res.status);
  throw new PermanentSendError(message, res.status);
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
