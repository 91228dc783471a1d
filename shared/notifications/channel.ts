/**
 * One interface for every way a notification goes out (email, slack, webhook: one folder each).
 * A channel sends once and reports how it went through its errors: a RetryableSendError is tried
 * again with backoff (or after `retryAfterMs`, Slack's 429 Retry-After), a PermanentSendError is
 * not. Error messages must not contain the target's URL or secret (channels scrub them).
 */
import type { TriggerTarget } from '../domain/triggers.js';
import type { Notice } from './notice.js';

export interface SendContext {
  /** Deterministic per (event, trigger, target); receivers may dedupe on it. */
  deliveryId: string;
  timeoutMs: number;
  now: () => Date;
}

export interface SendResult {
  /** A short description of the receiver's answer, for the delivery record. */
  detail: string;
  httpStatus?: number;
}

export interface NotificationChannel<T extends TriggerTarget = TriggerTarget> {
  readonly type: T['type'];
  send(notice: Notice, target: T, ctx: SendContext): Promise<SendResult>;
}

export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly httpStatus?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class RetryableSendError extends SendError {
  constructor(message: string, httpStatus?: number, retryAfterMs?: number) {
    super(message, true, httpStatus, retryAfterMs);
  }
}

export class PermanentSendError extends SendError {
  constructor(message: string, httpStatus?: number) {
    super(message, false, httpStatus);
  }
}
