/**
 * Deployments from git-host push webhooks, end to end: a real local git repository made by the
 * test, GitHub push payloads from @octokit/webhooks-examples pointed at it, a GitLab push in
 * GitLab's documented shape, a real api + workers process and real agents.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { TestSystem } from '../helpers/system.js';
import { until } from '../helpers/processes.js';
import { LocalRepo } from '../helpers/git-repo.js';
import { connectRedis, keysOf } from '../helpers/redis.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as { name: string; examples: any[] }[];
const pushExamples = examples.find((e) => e.name === 'push')!.examples;
const branchPush = pushExamples.find((e) => e.ref === 'refs/heads/master' && !e.deleted)!;
const tagPush = pushExamples.find((e) => e.ref.startsWith('refs/tags/') && !e.deleted)!;
const deletion = pushExamples.find((e) => e.deleted)!;

const APP = 'site';
const GH_SECRET = randomBytes(20).toString('hex');
const GL_SECRET = randomBytes(20).toString('hex');
let sys: TestSystem;
let repo: LocalRepo;
const commits: Record<string, string> = {};

function appFiles(version: string): Record<string, string> {
  return {
    'appspec.yml': [
      'version: 0.0',
      'os: linux',
      'files:',
      '  - source: web',
      '    destination: /srv/site',
      'hooks:',
      '  AfterInstall:',
      '    - location: hooks/after-install.sh',
      '      timeout: 30',
      '',
    ].join('\n'),
    'web/VERSION': `${version}\n`,
    'hooks/after-install.sh': '#!/bin/bash\nset -eu\necho "$BUNDLE_COMMIT" > "$CUTOVER_INSTALL_ROOT/bundle-commit"\n',
  };
}

beforeAll(async () => {
  repo = await LocalRepo.create();
  commits.one = await repo.commit('main', 'Version one', appFiles('one'));
  commits.two = await repo.commit('main', 'Version two', appFiles('two'));
  commits.bare = await repo.commit('no-appspec', 'No appspec here', { 'README.md': 'nothing to deploy\n' });
  sys = await TestSystem.start({
    label: 'githooks',
    env: { CUTOVER_WEBHOOK_SECRET_GH_SITE: GH_SECRET, CUTOVER_WEBHOOK_SECRET_GL_SITE: GL_SECRET, CUTOVER_GIT_ALLOW_LOCAL: 'true' },
  });
  await Promise.all([sys.startAgent('gh-host', { role: 'gh' }), sys.startAgent('gl-host', { role: 'gl' })]);
  await sys.rest.createApplication(APP);
  const group = (name: string, role: string, gitSource: Record<string, string>) =>
    sys.rest.ok('POST', `/v1/applications/${APP}/deployment-groups`, { name, instanceTagFilters: [{ key: 'role', value: role }], gitSource });
  await group('from-github', 'gh', { provider: 'GitHub', repository: 'Codertocat/Hello-World', branch: 'main', secretRef: 'gh-site' });
  await group('no-appspec', 'gh', { provider: 'GitHub', repository: 'Codertocat/Hello-World', branch: 'no-appspec', secretRef: 'gh-site' });
  await group('from-gitlab', 'gl', { provider: 'GitLab', repository: 'group/site', branch: 'main', secretRef: 'gl-site', cloneUrl: repo.dir });
});

afterAll(async () => {
  await sys?.stop();
  await repo?.remove();
});

function printLogsOnFailure(): void {
  onTestFailed(() => {
    console.error(sys.logs());
  });
}

/** The example payload, pushed to `branch` at `commit` of the test's repository. */
function githubPush(branch: string, commit: string, base = branchPush): any {
  const payload = structuredClone(base);
  payload.ref = `refs/heads/${branch}`;
  payload.after = commit;
  payload.deleted = false;
  payload.head_commit = { ...(payload.head_commit ?? {}), id: commit, message: 'Version one\n\nbody' };
  payload.repository.clone_url = repo.dir;
  return payload;
}

async function postGitHub(payload: unknown, options: { event?: string; delivery?: string; secret?: string } = {}) {
  const body = JSON.stringify(payload);
  const delivery = options.delivery ?? randomUUID();
  const answer = await fetch(`${sys.apiUrl}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': options.event ?? 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': await sign(options.secret ?? GH_SECRET, body),
    },
    body,
  });
  return { status: answer.status, body: (await answer.json()) as any, delivery };
}

async function deliveryRecord(provider: string, id: string, statuses = ['Deployed', 'Failed', 'Ignored']): Promise<any> {
  return until(`delivery ${id} to settle`, async () => {
    const record = await sys.rest.ok('GET', `/v1/webhook-deliveries/${provider}/${id}`);
    return statuses.includes(record.status) ? record : undefined;
  }, 60_000, 150);
}

async function installed(host: string): Promise<{ version: string; commit: string }> {
  const root = sys.agents.get(host)!.installRoot;
  return {
    version: (await readFile(path.join(root, 'srv', 'site', 'VERSION'), 'utf8')).trim(),
    commit: (await readFile(path.join(root, 'bundle-commit'), 'utf8')).trim(),
  };
}

describe('GitHub push webhooks', () => {
  it('deploys exactly the pushed commit, once, even when the delivery is posted twice', async () => {
    printLogsOnFailure();
    // The branch head is commit two; the push names commit one, and commit one is what deploys.
    const payload = githubPush('main', commits.one);
    const first = await postGitHub(payload);
    expect(first.status).toBe(202);
    expect(first.body.delivery).toMatchObject({ status: 'Queued', commitId: commits.one, branch: 'main' });
    const again = await postGitHub(payload, { delivery: first.delivery });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);

    const record = await deliveryRecord('github', first.delivery);
    expect(record.status).toBe('Deployed');
    expect(record.targets).toEqual([expect.objectContaining({ deploymentGroupName: 'from-github', status: 'Deployed' })]);
    const deploymentId = record.targets[0].deploymentId;
    const d = await sys.rest.finished(deploymentId, 'Succeeded');
    expect(d.creator).toBe('GitHub');
    expect(d.revision).toMatchObject({ revisionType: 'GitHub', repository: 'Codertocat/Hello-World', commitId: commits.one });
    expect(d.description).toContain('Version one');
    expect(await installed('gh-host')).toEqual({ version: 'one', commit: commits.one });

    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=from-github`);
    expect(deployments).toHaveLength(1);
    const { revisions } = await sys.rest.ok('GET', `/v1/applications/${APP}/revisions`);
    expect(revisions).toContainEqual(expect.objectContaining({ revision: expect.objectContaining({ revisionType: 'GitHub', commitId: commits.one }), bundleType: 'tgz' }));
  });

  it('refuses a wrong or missing signature with 401 and queues nothing', async () => {
    printLogsOnFailure();
    const before = (await sys.rest.ok('GET', '/v1/webhook-deliveries')).refused.GitHub;
    const wrong = await postGitHub(githubPush('main', commits.two), { secret: 'not-the-secret-at-all' });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${sys.apiUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID() },
      body: JSON.stringify(githubPush('main', commits.two)),
    });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe('UnauthorizedException');

    const list = await sys.rest.ok('GET', '/v1/webhook-deliveries');
    expect(list.refused.GitHub).toBe(before + 2);
    expect(list.webhookDeliveries.map((d: any) => d.deliveryId)).not.toContain(wrong.delivery);
    const redis = connectRedis();
    try {
      expect((await keysOf(redis, sys.prefix)).filter((k) => k.includes(wrong.delivery))).toEqual([]);
    } finally {
      redis.disconnect();
    }
    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=from-github`);
    expect(deployments).toHaveLength(1);
  });

  it('answers ping and records why tag pushes, deletions, other branches and unknown repositories deploy nothing', async () => {
    printLogsOnFailure();
    const ping = await postGitHub({ zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' });
    expect(ping.status).toBe(200);
    expect(ping.body.delivery).toMatchObject({ status: 'Ignored', event: 'ping' });

    const tag = structuredClone(tagPush);
    tag.repository.clone_url = repo.dir;
    const unknown = githubPush('main', commits.two);
    unknown.repository.full_name = 'someone/else';
    const cases: [any, RegExp][] = [
      [tag, /tag push/],
      [structuredClone(deletion), /tag push|deleted/],
      [{ ...structuredClone(deletion), ref: 'refs/heads/main' }, /deleted branch main/],
      [githubPush('feature/x', commits.two), /Branch feature\/x .* is not deployed/],
      [unknown, /No deployment group deploys GitHub repository someone\/else/],
    ];
    for (const [payload, reason] of cases) {
      const answer = await postGitHub(payload);
      expect(answer.status).toBe(200);
      expect(answer.body.delivery.status).toBe('Ignored');
      expect(answer.body.delivery.reason).toMatch(reason);
    }
    const list = await sys.rest.ok('GET', '/v1/webhook-deliveries?status=Ignored');
    expect(list.webhookDeliveries.length).toBeGreaterThanOrEqual(cases.length + 1);
  });

  it('fails a commit without an appspec.yml with a clear reason on the delivery record', async () => {
    printLogsOnFailure();
    const answer = await postGitHub(githubPush('no-appspec', commits.bare));
    expect(answer.status).toBe(202);
    const record = await deliveryRecord('github', answer.delivery);
    expect(record.status).toBe('Failed');
    expect(record.reason).toBe(`Commit ${commits.bare} of Codertocat/Hello-World has no appspec.yml at its root, so it cannot be deployed.`);
    expect(record.targets).toEqual([expect.objectContaining({ deploymentGroupName: 'no-appspec', status: 'Failed' })]);
    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=no-appspec`);
    expect(deployments).toHaveLength(0);
  });
});

describe('GitLab push webhooks', () => {
  function gitlabPush(commit: string) {
    return {
      object_kind: 'push',
      event_name: 'push',
      before: commits.one,
      after: commit,
      ref: 'refs/heads/main',
      checkout_sha: commit,
      user_username: 'jsmith',
      project: { id: 15, name: 'site', path_with_namespace: 'group/site', git_http_url: 'https://gitlab.example.test/group/site.git' },
      commits: [{ id: commit, message: 'Version two\n', author: { name: 'Test Author', email: 'author@example.test' } }],
      total_commits_count: 1,
      repository: { name: 'site', git_http_url: 'https://gitlab.example.test/group/site.git' },
    };
  }

  async function postGitLab(payload: unknown, token: string, uuid = randomUUID()) {
    const answer = await fetch(`${sys.apiUrl}/webhooks/gitlab`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': uuid },
      body: JSON.stringify(payload),
    });
    return { status: answer.status, body: (await answer.json()) as any, uuid };
  }

  it('verifies the token and deploys the pushed commit through the group cloneUrl', async () => {
    printLogsOnFailure();
    expect((await postGitLab(gitlabPush(commits.two), 'wrong-token-wrong-token')).status).toBe(401);
    const answer = await postGitLab(gitlabPush(commits.two), GL_SECRET);
    expect(answer.status).toBe(202);
    expect((await postGitLab(gitlabPush(commits.two), GL_SECRET, answer.uuid)).body.duplicate).toBe(true);
    const record = await deliveryRecord('gitlab', answer.uuid);
    expect(record.status).toBe('Deployed');
    const d = await sys.rest.finished(record.targets[0].deploymentId, 'Succeeded');
    expect(d.creator).toBe('GitLab');
    expect(d.revision).toMatchObject({ revisionType: 'GitLab', repository: 'group/site', commitId: commits.two });
    expect(await installed('gl-host')).toEqual({ version: 'two', commit: commits.two });
    const { deployments } = await sys.rest.ok('GET', `/v1/deployments?applicationName=${APP}&deploymentGroupName=from-gitlab`);
    expect(deployments).toHaveLength(1);
  });
});
