/**
 * The generic webhook: CodeDeploy's trigger message as JSON, signed (./signature.ts), with the
 * delivery id in `X-Cutover-Delivery` so a receiver can drop the rare duplicate (see the
 * notifier's note on the at-least-once window).
 */
import type { NotificationChannel, SendContext, SendResult } from '../channel.js';
import type { Notice } from '../notice.js';
import { postBody } from '../http-post.js';
import { signWebhook, SIGNATURE_HEADER } from './signature.js';

type WebhookTarget = { type: 'webhook'; url: string; secret: string };

export class WebhookChannel implements NotificationChannel<WebhookTarget> {
  readonly type = 'webhook' as const;

  send(notice: Notice, target: WebhookTarget, ctx: SendContext): Promise<SendResult> {
    const body = JSON.stringify(notice.message);
    const timestamp = Math.floor(ctx.now().getTime() / 1000);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Cutover-Notifier',
      'x-cutover-event': notice.triggerEvent,
      'x-cutover-delivery': ctx.deliveryId,
      'x-cutover-timestamp': String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(target.secret, body, timestamp),
    };
    return postBody(target.url, body, headers, ctx.timeoutMs, [target.secret]);
  }
}
