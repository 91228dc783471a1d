/**
 * Stand-ins for the outside world a notifier talks to, on loopback only: a real SMTP server
 * (smtp-server) that keeps every message, and an HTTP server that plays Slack or a webhook
 * receiver, answering per path with a programmable sequence of statuses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  /** The text/plain part, transfer-decoded. */
  text: string;
  html: string;
}

export class MailCatcher {
  readonly mails: ReceivedMail[] = [];
  private server?: SMTPServer;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          this.mails.push(parseMail(raw, session.envelope.rcptTo.map((r) => r.address)));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }
}

/** Just enough MIME for nodemailer's output: unfolded headers, multipart/alternative, QP or 7bit. */
export function parseMail(raw: string, to: string[]): ReceivedMail {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const part = (type: string) => {
    const match = new RegExp(`Content-Type: ${type}[^]*?\\r?\\n\\r?\\n([^]*?)\\r?\\n--`, 'i').exec(raw);
    if (!match) return '';
    const partHead = raw.slice(0, match.index + match[0].length - match[1].length);
    const qp = /Content-Transfer-Encoding: quoted-printable/i.test(partHead.slice(partHead.lastIndexOf('Content-Type')));
    return qp ? decodeQuotedPrintable(match[1]) : match[1];
  };
  return { to, raw, subject, text: part('text/plain'), html: part('text/html') };
}

export function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this server answered. */
  status: number;
}

/**
 * An HTTP receiver: `plan(path, [500, 500, 500])` makes the next three requests to `path` fail;
 * a planned status of 0 holds the request unanswered (a receiver that never replies).
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly plans = new Map<string, number[]>();
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '/';
        const status = this.plans.get(path)?.shift() ?? 200;
        this.requests.push({ path, headers: req.headers, body, status });
        if (status === 0) return;
        if (status === 429) res.setHeader('retry-after', '1');
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  plan(path: string, statuses: number[]): void {
    this.plans.set(path, [...statuses]);
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  accepted(path: string): ReceivedRequest[] {
    return this.to(path).filter((r) => r.status === 200);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
