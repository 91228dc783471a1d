/** The channels by target type, built once per process from config. */
import type { NotifyConfig } from '../config.js';
import type { TriggerTarget } from '../domain/triggers.js';
import type { SendContext, SendResult } from './channel.js';
import type { Notice } from './notice.js';
import { EmailChannel } from './email/email-channel.js';
import { SlackChannel } from './slack/slack-channel.js';
import { WebhookChannel } from './webhook/webhook-channel.js';

export class Channels {
  private readonly email: EmailChannel;
  private readonly slack = new SlackChannel();
  private readonly webhook = new WebhookChannel();

  constructor(config: NotifyConfig) {
    this.email = new EmailChannel(config.smtpUrl, config.smtpFrom, config.timeoutMs);
  }

  send(notice: Notice, target: TriggerTarget, ctx: SendContext): Promise<SendResult> {
    switch (target.type) {
      case 'email':
        return this.email.send(notice, target, ctx);
      case 'slack':
        return this.slack.send(notice, target, ctx);
      case 'webhook':
        return this.webhook.send(notice, target, ctx);
    }
  }

  close(): void {
    this.email.close();
  }
}
