/** The pure parts of git-host webhooks: signature/token checks, payload parsing, push planning, clone URLs. */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { GitHubHost } from '../../shared/git-hosts/github/github-host.js';
import { GitLabHost } from '../../shared/git-hosts/gitlab/gitlab-host.js';
import { planPush } from '../../shared/git-hosts/plan-push.js';
import { checkCloneUrl } from '../../shared/git-hosts/clone-url.js';
import type { PushEvent } from '../../shared/git-hosts/git-host.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';
import type { GitSource } from '../../shared/domain/triggers.js';
import { clientTokenFor } from '../../workers/revision/process-push.js';

const require = createRequire(import.meta.url);
const pushExamples = (require('@octokit/webhooks-examples') as { name: string; examples: any[] }[]).find((e) => e.name === 'push')!.examples;
const github = new GitHubHost();
const gitlab = new GitLabHost();
const SECRETS = { GH_ONE: 'first-secret-value', GH_TWO: 'second-secret-value' };

describe('GitHub', () => {
  const body = Buffer.from(JSON.stringify(pushExamples.find((e) => e.ref === 'refs/heads/master')));

  it('names the configured secret that signed the raw body', async () => {
    const signature = await sign(SECRETS.GH_TWO, body.toString());
    expect(await github.authenticate({ 'x-hub-signature-256': signature }, body, SECRETS)).toBe('GH_TWO');
  });

  it.each([
    ['a wrong secret', async () => sign('not-configured-secret', body.toString())],
    ['a signature of other bytes', async () => sign(SECRETS.GH_ONE, `${body.toString()} `)],
    ['a sha1 signature', async () => 'sha1=0123456789abcdef0123456789abcdef01234567'],
    ['garbage', async () => 'sha256=zz'],
  ])('refuses %s', async (_what, signature) => {
    expect(await github.authenticate({ 'x-hub-signature-256': await signature() }, body, SECRETS)).toBeUndefined();
  });

  it('refuses a missing signature or empty body, and anything when no secret is configured', async () => {
    expect(await github.authenticate({}, body, SECRETS)).toBeUndefined();
    expect(await github.authenticate({ 'x-hub-signature-256': await sign(SECRETS.GH_ONE, 'x') }, Buffer.alloc(0), SECRETS)).toBeUndefined();
    expect(await github.authenticate({ 'x-hub-signature-256': await sign(SECRETS.GH_ONE, body.toString()) }, body, {})).toBeUndefined();
  });

  it('parses every push example of @octokit/webhooks-examples', () => {
    for (const example of pushExamples) {
      const event = github.parse('push', example);
      expect(event.kind).toBe('push');
      if (event.kind !== 'push') continue;
      expect(event.push.repository).toBe('Codertocat/Hello-World');
      expect(event.push.isTag).toBe(example.ref.startsWith('refs/tags/'));
      expect(event.push.deleted).toBe(example.deleted);
      expect(event.push.commitId).toBe(example.after);
    }
    expect(github.parse('ping', { zen: 'x' })).toEqual({ kind: 'ping' });
    expect(github.parse('issues', { repository: { full_name: 'a/b' } })).toMatchObject({ kind: 'other', repository: 'a/b' });
    expect(() => github.parse('push', { ref: 'refs/heads/main' })).toThrow(/not a GitHub push/);
  });
});

describe('GitLab', () => {
  it('compares the token with every configured secret', async () => {
    expect(await gitlab.authenticate({ 'x-gitlab-token': SECRETS.GH_ONE }, Buffer.alloc(0), SECRETS)).toBe('GH_ONE');
    expect(await gitlab.authenticate({ 'x-gitlab-token': 'first-secret-valu' }, Buffer.alloc(0), SECRETS)).toBeUndefined();
    expect(await gitlab.authenticate({}, Buffer.alloc(0), SECRETS)).toBeUndefined();
  });

  it('parses push and tag push hooks, and takes the delivery id from X-Gitlab-Event-UUID or Idempotency-Key', () => {
    const push = {
      object_kind: 'push',
      ref: 'refs/heads/main',
      after: 'b'.repeat(40),
      user_username: 'jsmith',
      project: { path_with_namespace: 'grp/sub/app', git_http_url: 'https://gitlab.example.test/grp/sub/app.git' },
      commits: [{ id: 'b'.repeat(40), message: 'Fix it\n\nmore' }],
    };
    expect(gitlab.parse('Push Hook', push)).toEqual({
      kind: 'push',
      push: {
        repository: 'grp/sub/app',
        ref: 'refs/heads/main',
        branch: 'main',
        isTag: false,
        deleted: false,
        commitId: 'b'.repeat(40),
        cloneUrl: 'https://gitlab.example.test/grp/sub/app.git',
        pusher: 'jsmith',
        headCommitMessage: 'Fix it',
      },
    });
    expect(gitlab.parse('Tag Push Hook', { ...push, object_kind: 'tag_push', ref: 'refs/tags/v1' })).toMatchObject({ push: { isTag: true } });
    expect(gitlab.parse('Merge Request Hook', {})).toMatchObject({ kind: 'other' });
    expect(gitlab.deliveryId({ 'x-gitlab-event-uuid': 'u-1' })).toBe('u-1');
    expect(gitlab.deliveryId({ 'idempotency-key': 'k-1' })).toBe('k-1');
  });
});

describe('planPush', () => {
  const group = (name: string, gitSource: GitSource) => ({ applicationName: 'app', deploymentGroupName: name, gitSource }) as DeploymentGroup;
  const groups = [
    group('main', { provider: 'GitHub', repository: 'Acme/Web', branch: 'main', secretRef: 'gh-one' }),
    group('main-too', { provider: 'GitHub', repository: 'acme/web', branch: 'main', secretRef: 'gh_one' }),
    group('release', { provider: 'GitHub', repository: 'acme/web', branch: 'release', secretRef: 'gh-one' }),
    group('other-secret', { provider: 'GitHub', repository: 'acme/web', branch: 'main', secretRef: 'gh-two' }),
    group('gitlab', { provider: 'GitLab', repository: 'acme/web', branch: 'main', secretRef: 'gh-one' }),
  ];
  const push = (over: Partial<PushEvent> = {}): PushEvent => ({ repository: 'acme/web', ref: 'refs/heads/main', branch: 'main', isTag: false, deleted: false, commitId: 'c'.repeat(40), ...over });

  it('deploys every group of that host, repository, branch and secret', () => {
    const plan = planPush('GitHub', push(), groups, 'GH_ONE');
    expect('deploy' in plan && plan.deploy.map((g) => g.deploymentGroupName)).toEqual(['main', 'main-too']);
  });

  it.each([
    [push({ ref: 'refs/tags/v1', branch: undefined, isTag: true }), 'GH_ONE', /tag push/],
    [push({ deleted: true }), 'GH_ONE', /deleted branch main/],
    [push({ repository: 'acme/api' }), 'GH_ONE', /No deployment group deploys GitHub repository acme\/api/],
    [push({ branch: 'dev', ref: 'refs/heads/dev' }), 'GH_ONE', /Branch dev of acme\/web is not deployed \(deployed branches: main, release\)/],
    [push(), 'GH_THREE', /signed with a secret that no deployment group/],
  ])('ignores %o signed by %s', (event, secretRef, reason) => {
    const plan = planPush('GitHub', event, groups, secretRef);
    expect('ignore' in plan && plan.ignore).toMatch(reason);
  });

  it('makes one client token per (delivery, group), so a retried job finds its deployment', () => {
    const token = clientTokenFor({ provider: 'GitHub', deliveryId: 'abc' }, 'main');
    expect(token).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(token).toBe(clientTokenFor({ provider: 'GitHub', deliveryId: 'abc' }, 'main'));
    expect(token).not.toBe(clientTokenFor({ provider: 'GitHub', deliveryId: 'abc' }, 'other'));
    expect(token).not.toBe(clientTokenFor({ provider: 'GitLab', deliveryId: 'abc' }, 'main'));
  });
});

describe('checkCloneUrl', () => {
  it.each([
    ['https://github.com/acme/web.git', false, true],
    ['ssh://git@github.com/acme/web.git', false, true],
    ['git@github.com:acme/web.git', false, true],
    ['/srv/mirrors/web.git', false, false],
    ['/srv/mirrors/web.git', true, true],
    ['file:///srv/web.git', true, true],
    ['ext::sh -c touch% /tmp/pwned', true, false],
    ['--upload-pack=touch /tmp/x', true, false],
    ['relative/path', true, false],
  ])('%s (local allowed: %s) → %s', (url, allowLocal, ok) => {
    expect(checkCloneUrl(url, allowLocal).ok).toBe(ok);
  });
});
