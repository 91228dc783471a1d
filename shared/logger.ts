import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Field names whose values are secrets wherever they sit (redacted at the top level and two levels down). */
const SECRET_FIELDS = [
  'token',
  'instanceToken',
  'enrollToken',
  'adminToken',
  'authorization',
  'password',
  'secret',
  // Trigger targets and git sources: Slack/webhook URLs carry their credential in the path.
  // (not 'url': that would blank every request log's req.url)
  'webhookUrl',
  'cloneUrl',
  'smtpUrl',
  'credentials',
];

/** Paths pino blanks out wherever they appear: secrets are redacted by config, not by care. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-gitlab-token"]',
  'req.headers["x-cutover-signature"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  '*.triggerConfigurations[*].targets',
  '*.targets[*].url',
  '*.targets[*].secret',
];

/** Query parameters whose values are blanked in logged URLs (`?token=…` would otherwise be logged). */
const SECRET_PARAM = /^(.*token.*|.*secret.*|password|passwd|pwd|key|api[-_]?key|signature|sig|auth|authorization|credentials?)$/i;

/** A URL as logged: secret-looking query values replaced, everything else kept. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as sent
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** The request as pino-http logs it, with secrets in its URL and query blanked. */
export function redactRequest<T extends { url?: string; query?: unknown }>(req: T): T {
  if (typeof req.url === 'string') req.url = redactUrl(req.url);
  if (req.query && typeof req.query === 'object') {
    req.query = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).map(([k, v]) => [k, SECRET_PARAM.test(k) ? '[redacted]' : v]));
  }
  return req;
}

/** `destination` for tests that read what was logged; stdout otherwise. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
