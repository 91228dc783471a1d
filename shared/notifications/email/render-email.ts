/** The email: a subject, a plain-text part and an HTML part saying the same (summary.ts). */
import type { Notice } from '../notice.js';
import { summarize } from '../summary.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function renderEmail(notice: Notice): EmailContent {
  const s = summarize(notice);
  const fields = s.fields.filter(([, value]) => value !== '');
  const text = [
    s.headline,
    '',
    ...fields.map(([label, value]) => `${label}: ${value}`),
    ...(s.error ? ['', `Error: ${s.error}`] : []),
    ...(s.link ? ['', `Details: ${s.link}`] : []),
    '',
    '-- ',
    'Sent by Cutover',
    '',
  ].join('\n');
  const colour = s.tone === 'good' ? '#1a7f37' : s.tone === 'bad' ? '#cf222e' : '#57606a';
  const rows = fields.map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p style="color:${colour};font-weight:bold">${escapeHtml(s.headline)}</p>`,
    `<table>\n${rows}\n</table>`,
    s.error ? `<p><strong>Error:</strong> <code>${escapeHtml(s.error)}</code></p>` : '',
    s.link ? `<p><a href="${escapeHtml(s.link)}">View the deployment</a></p>` : '',
    '<p style="color:#57606a;font-size:small">Sent by Cutover</p>',
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');
  return { subject: s.subject, text, html };
}
