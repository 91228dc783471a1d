/**
 * GitLab: the secret token is sent as is in `X-Gitlab-Token` (compared in constant time), the
 * event in `X-Gitlab-Event` (`Push Hook`, `Tag Push Hook`, …) and the delivery's id in
 * `X-Gitlab-Event-UUID` (`Idempotency-Key` on newer GitLab, the same across retries).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { InvalidInputError } from '../../errors.js';
import { firstLine, header, refParts, ZERO_COMMIT, type GitHost, type HookEvent } from '../git-host.js';

const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a commit sha');

const PushPayload = z.looseObject({
  object_kind: z.enum(['push', 'tag_push']),
  ref: z.string().min(1).max(1024),
  after: Sha,
  user_username: z.string().optional(),
  project: z.looseObject({ path_with_namespace: z.string().min(1).max(300), git_http_url: z.string().max(2048).optional() }),
  commits: z.array(z.looseObject({ id: z.string(), message: z.string() })).optional(),
});

const AnyPayload = z.looseObject({ project: z.looseObject({ path_with_namespace: z.string() }).optional() });

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class GitLabHost implements GitHost {
  readonly provider = 'GitLab' as const;
  readonly deliveryHeader = 'X-Gitlab-Event-UUID';

  async authenticate(headers: Parameters<GitHost['authenticate']>[0], _rawBody: Buffer, secrets: Readonly<Record<string, string>>): Promise<string | undefined> {
    const token = header(headers, 'x-gitlab-token');
    if (!token) return undefined;
    const given = digest(token);
    let match: string | undefined;
    for (const [ref, secret] of Object.entries(secrets)) {
      if (timingSafeEqual(given, digest(secret))) match ??= ref;
    }
    return match;
  }

  deliveryId(headers: Parameters<GitHost['deliveryId']>[0]): string | undefined {
    return header(headers, 'x-gitlab-event-uuid') ?? header(headers, 'idempotency-key');
  }

  eventName(headers: Parameters<GitHost['eventName']>[0]): string {
    return header(headers, 'x-gitlab-event') ?? '';
  }

  parse(eventName: string, payload: unknown): HookEvent {
    if (eventName !== 'Push Hook' && eventName !== 'Tag Push Hook') {
      const any = AnyPayload.safeParse(payload);
      return { kind: 'other', reason: `GitLab ${eventName || 'unnamed'} events do not deploy; only Push Hook does.`, repository: any.success ? any.data.project?.path_with_namespace : undefined };
    }
    const parsed = PushPayload.safeParse(payload);
    if (!parsed.success) {
      throw new InvalidInputError('InvalidWebhookPayload', 'The payload is not a GitLab push event.', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    }
    const p = parsed.data;
    const head = p.commits?.find((c) => c.id === p.after);
    const ref = refParts(p.ref);
    return {
      kind: 'push',
      push: {
        repository: p.project.path_with_namespace,
        ref: p.ref,
        ...ref,
        isTag: ref.isTag || p.object_kind === 'tag_push',
        deleted: ZERO_COMMIT.test(p.after),
        commitId: p.after,
        cloneUrl: p.project.git_http_url,
        pusher: p.user_username,
        headCommitMessage: firstLine(head?.message),
      },
    };
  }
}
