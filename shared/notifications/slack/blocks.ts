/**
 * Slack incoming-webhook message: Block Kit blocks with a plain-text `text` fallback (what
 * notifications and old clients show). header (plain_text, ≤150 chars), section fields (mrkdwn,
 * ≤10 per section, ≤2000 chars each), context, and a URL button when there is a link — no
 * interactive elements, which would need an app endpoint. At most 50 blocks.
 */
import type { Notice } from '../notice.js';
import { summarize } from '../summary.js';

export interface SlackBlock {
  type: 'header' | 'section' | 'context' | 'divider' | 'actions';
  [key: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const EMOJI = { good: ':white_check_mark:', bad: ':x:', neutral: ':information_source:' } as const;

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function slackMessage(notice: Notice): SlackMessage {
  const s = summarize(notice);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(s.subject.replace(/^\[Cutover\] /, ''), 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`${EMOJI[s.tone]} ${escapeMrkdwn(s.headline)}`, 3000) } },
  ];
  const fields = s.fields.filter(([, value]) => value !== '');
  for (let i = 0; i < fields.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: fields.slice(i, i + 10).map(([label, value]) => ({ type: 'mrkdwn', text: clip(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, 2000) })),
    });
  }
  if (s.error) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Error*\n\`\`\`${escapeMrkdwn(s.error)}\`\`\``, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`Cutover · ${notice.triggerName} · ${notice.at}`) }] });
  if (s.link) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'View deployment' }, url: s.link }] });
  }
  const text = [s.subject.replace(/^\[Cutover\] /, ''), s.error ? `Error: ${s.error}` : '', s.link ?? ''].filter(Boolean).join('\n');
  return { text, blocks };
}
