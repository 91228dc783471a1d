/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>` (checked with
 * @octokit/webhooks-methods' constant-time verify), `X-GitHub-Event` (push, ping, …) and
 * `X-GitHub-Delivery` (a GUID, the same on a redelivery).
 */
import { verify } from '@octokit/webhooks-methods';
import * as z from 'zod';
import { InvalidInputError } from '../../errors.js';
import { firstLine, header, refParts, ZERO_COMMIT, type GitHost, type HookEvent } from '../git-host.js';

const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a commit sha');

const PushPayload = z.looseObject({
  ref: z.string().min(1).max(1024),
  after: Sha,
  deleted: z.boolean().optional(),
  repository: z.looseObject({ full_name: z.string().min(1).max(300), clone_url: z.string().max(2048).optional() }),
  pusher: z.looseObject({ name: z.string().optional() }).optional(),
  head_commit: z.looseObject({ id: z.string(), message: z.string() }).nullable().optional(),
});

const AnyPayload = z.looseObject({ repository: z.looseObject({ full_name: z.string() }).optional() });

export class GitHubHost implements GitHost {
  readonly provider = 'GitHub' as const;
  readonly deliveryHeader = 'X-GitHub-Delivery';

  async authenticate(headers: Parameters<GitHost['authenticate']>[0], rawBody: Buffer, secrets: Readonly<Record<string, string>>): Promise<string | undefined> {
    const signature = header(headers, 'x-hub-signature-256');
    if (!signature || rawBody.length === 0) return undefined;
    const body = rawBody.toString('utf8');
    let match: string | undefined;
    // Check every secret (no early exit), so timing says nothing about which one matched.
    for (const [ref, secret] of Object.entries(secrets)) {
      if (await verify(secret, body, signature)) match ??= ref;
    }
    return match;
  }

  deliveryId(headers: Parameters<GitHost['deliveryId']>[0]): string | undefined {
    return header(headers, 'x-github-delivery');
  }

  eventName(headers: Parameters<GitHost['eventName']>[0]): string {
    return header(headers, 'x-github-event') ?? '';
  }

  parse(eventName: string, payload: unknown): HookEvent {
    if (eventName === 'ping') return { kind: 'ping' };
    if (eventName !== 'push') {
      const any = AnyPayload.safeParse(payload);
      return { kind: 'other', reason: `GitHub ${eventName || 'unnamed'} events do not deploy; only push does.`, repository: any.success ? any.data.repository?.full_name : undefined };
    }
    const parsed = PushPayload.safeParse(payload);
    if (!parsed.success) {
      throw new InvalidInputError('InvalidWebhookPayload', 'The push payload is not a GitHub push event.', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    }
    const p = parsed.data;
    return {
      kind: 'push',
      push: {
        repository: p.repository.full_name,
        ref: p.ref,
        ...refParts(p.ref),
        deleted: p.deleted === true || ZERO_COMMIT.test(p.after),
        commitId: p.after,
        cloneUrl: p.repository.clone_url,
        pusher: p.pusher?.name,
        headCommitMessage: firstLine(p.head_commit?.message),
      },
    };
  }
}
