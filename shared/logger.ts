import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear: secrets are redacted by config, not by care. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-gitlab-token"]',
  '*.token',
  '*.instanceToken',
  '*.enrollToken',
  '*.adminToken',
  '*.password',
  '*.secret',
  // Trigger targets and git sources: Slack/webhook URLs carry their credential in the path.
  // (not '*.url': that would blank every request log's req.url)
  '*.webhookUrl',
  '*.cloneUrl',
  '*.smtpUrl',
  '*.triggerConfigurations[*].targets',
  '*.targets[*].url',
  '*.targets[*].secret',
  '*.credentials',
  'req.headers["x-cutover-signature"]',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
