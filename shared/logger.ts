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
  '*.password',
  '*.secret',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
