/**
 * Email through SMTP (nodemailer, CUTOVER_SMTP_URL). The Message-ID is derived from the delivery
 * id, so in the rare case a message is sent twice (see the notifier) mail systems that dedupe on
 * Message-ID show it once. 5xx SMTP answers and auth failures are permanent; anything else
 * (connection refused, timeouts, 4xx) is retried.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationChannel, SendContext, SendResult } from '../channel.js';
import { PermanentSendError, RetryableSendError } from '../channel.js';
import type { Notice } from '../notice.js';
import { scrub } from '../mask.js';
import { renderEmail } from './render-email.js';

type EmailTarget = { type: 'email'; to: string[] };

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

export class EmailChannel implements NotificationChannel<EmailTarget> {
  readonly type = 'email' as const;
  private transport?: Transporter;

  constructor(
    private readonly smtpUrl: string | undefined,
    private readonly from: string,
    private readonly timeoutMs: number,
  ) {}

  async send(notice: Notice, target: EmailTarget, ctx: SendContext): Promise<SendResult> {
    if (!this.smtpUrl) throw new PermanentSendError('Email is not configured: set CUTOVER_SMTP_URL.');
    const content = renderEmail(notice);
    try {
      const info = await this.transporter().sendMail({
        from: this.from,
        to: target.to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: `<${ctx.deliveryId}@cutover>`,
        headers: { 'X-Cutover-Delivery': ctx.deliveryId, 'X-Cutover-Event': notice.triggerEvent },
      });
      return { detail: scrub(`SMTP accepted for ${(info.accepted ?? []).length} recipient(s): ${String(info.response ?? '').slice(0, 200)}`, [this.smtpUrl]) };
    } catch (err) {
      const e = err as SmtpError;
      const message = scrub(`SMTP: ${e.response ?? e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`, [this.smtpUrl]);
      if ((e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EAUTH' || e.code === 'EENVELOPE') throw new PermanentSendError(message);
      throw new RetryableSendError(message);
    }
  }

  private transporter(): Transporter {
    // One connection per message (no pool): a worker holds no SMTP session between jobs.
    this.transport ??= nodemailer.createTransport({
      url: this.smtpUrl,
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    });
    return this.transport;
  }

  close(): void {
    this.transport?.close();
  }
}
