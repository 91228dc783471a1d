/** Slack incoming webhooks: POST the Block Kit message; 429 answers carry Retry-After. */
import type { NotificationChannel, SendContext, SendResult } from '../channel.js';
import type { Notice } from '../notice.js';
import { postBody } from '../http-post.js';
import { slackMessage } from './blocks.js';

type SlackTarget = { type: 'slack'; url: string };

export class SlackChannel implements NotificationChannel<SlackTarget> {
  readonly type = 'slack' as const;

  send(notice: Notice, target: SlackTarget, ctx: SendContext): Promise<SendResult> {
    return postBody(target.url, JSON.stringify(slackMessage(notice)), { 'content-type': 'application/json; charset=utf-8' }, ctx.timeoutMs);
  }
}
