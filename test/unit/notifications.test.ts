/** The pure parts of notifications: trigger matching, messages, masking, signing, Block Kit. */
import { describe, expect, it } from 'vitest';
import { deliveryIdFor, matchTargets, targetKey, triggerEventsFor } from '../../shared/notifications/trigger-events.js';
import { buildNotice, epochSeconds, testNotice } from '../../shared/notifications/notice.js';
import { summarize } from '../../shared/notifications/summary.js';
import { maskUrl, publicGroup, scrub } from '../../shared/notifications/mask.js';
import { signWebhook, verifyWebhook } from '../../shared/notifications/webhook/signature.js';
import { escapeMrkdwn, slackMessage } from '../../shared/notifications/slack/blocks.js';
import { renderEmail } from '../../shared/notifications/email/render-email.js';
import { retryAfterMs } from '../../shared/notifications/http-post.js';
import { TriggerConfigurationsBody } from '../../shared/notifications/trigger-schema.js';
import { blockKitProblems } from '../helpers/block-kit.js';
import type { DeploymentEvent } from '../../shared/domain/events.js';
import type { DeploymentState } from '../../shared/store/deployments.js';
import type { DeploymentGroup, InstanceTarget } from '../../shared/domain/types.js';
import type { TriggerConfig } from '../../shared/domain/triggers.js';

const dep = (status: string, previousStatus?: string): DeploymentEvent => ({ type: 'DeploymentStatus', deploymentId: 'd-ABCDEFGHI', status: status as any, previousStatus: previousStatus as any });
const inst = (status: string, previousStatus: string): DeploymentEvent => ({ type: 'InstanceStatus', deploymentId: 'd-ABCDEFGHI', instanceId: 'host-1', status: status as any, previousStatus: previousStatus as any });

describe('triggerEventsFor', () => {
  it.each([
    [dep('InProgress', 'Created'), ['DeploymentStart']],
    [dep('InProgress', 'Queued'), ['DeploymentStart']],
    [dep('InProgress', 'Ready'), []],
    [dep('Queued', 'Created'), []],
    [dep('Created'), []],
    [dep('Succeeded', 'InProgress'), ['DeploymentSuccess']],
    [dep('Failed', 'InProgress'), ['DeploymentFailure']],
    [dep('Failed', 'Created'), ['DeploymentFailure']],
    [dep('Stopped', 'InProgress'), ['DeploymentStop']],
    [dep('Ready', 'InProgress'), ['DeploymentReady']],
    [dep('Baking', 'InProgress'), []],
    [{ type: 'DeploymentAction', deploymentId: 'd-ABCDEFGHI', action: 'RollbackStarted', rollbackDeploymentId: 'd-ZZZZZZZZZ' } as DeploymentEvent, ['DeploymentRollback']],
    [{ type: 'DeploymentAction', deploymentId: 'd-ABCDEFGHI', action: 'StopRequested' } as DeploymentEvent, []],
    [inst('InProgress', 'Pending'), ['InstanceStart']],
    [inst('InProgress', 'Ready'), []],
    [inst('Succeeded', 'InProgress'), ['InstanceSuccess']],
    [inst('Failed', 'Unknown'), ['InstanceFailure']],
    [inst('Ready', 'InProgress'), ['InstanceReady']],
    [inst('Skipped', 'Pending'), []],
    [inst('Unknown', 'InProgress'), []],
    [{ type: 'LifecycleEvent', deploymentId: 'd-ABCDEFGHI', instanceId: 'host-1', lifecycleEventName: 'Install', status: 'Failed' } as DeploymentEvent, []],
  ])('%o → %o', (event, expected) => {
    expect(triggerEventsFor(event)).toEqual(expected);
  });
});

describe('matchTargets and delivery ids', () => {
  const slack = { type: 'slack' as const, url: 'https://hooks.slack.com/services/T/B/secretpath' };
  const mail = { type: 'email' as const, to: ['B@example.test', 'a@example.test'] };
  const triggers: TriggerConfig[] = [
    { triggerName: 'all', triggerEvents: ['DeploymentSuccess', 'DeploymentFailure'], targets: [slack, mail, { ...slack }] },
    { triggerName: 'fail', triggerEvents: ['DeploymentFailure'], targets: [slack] },
  ];

  it('matches each (trigger, target) once, by event', () => {
    expect(matchTargets(triggers, ['DeploymentSuccess']).map((m) => [m.triggerName, m.target.type])).toEqual([
      ['all', 'slack'],
      ['all', 'email'],
    ]);
    expect(matchTargets(triggers, ['DeploymentFailure']).map((m) => m.triggerName)).toEqual(['all', 'all', 'fail']);
    expect(matchTargets(triggers, ['DeploymentStart'])).toEqual([]);
  });

  it('names a target by where it sends, case- and order-insensitively for emails, without its secret', () => {
    expect(targetKey(mail)).toBe(targetKey({ type: 'email', to: ['a@example.test', 'b@example.test'] }));
    expect(targetKey({ type: 'webhook', url: 'https://x.test/h', secret: 'one-secret-of-16ch' })).toBe(targetKey({ type: 'webhook', url: 'https://x.test/h', secret: 'other-secret-16chr' }));
    expect(targetKey(slack)).not.toBe(targetKey({ type: 'webhook', url: slack.url, secret: 'x'.repeat(16) }));
  });

  it('derives delivery ids deterministically from stream id, event, trigger and target, usable as BullMQ job ids', () => {
    const a = deliveryIdFor('1700000000000-0', 'DeploymentSuccess', 'all', targetKey(slack));
    expect(a).toBe(deliveryIdFor('1700000000000-0', 'DeploymentSuccess', 'all', targetKey(slack)));
    expect(a).not.toBe(deliveryIdFor('1700000000000-1', 'DeploymentSuccess', 'all', targetKey(slack)));
    expect(a).not.toBe(deliveryIdFor('1700000000000-0', 'DeploymentSuccess', 'fail', targetKey(slack)));
    expect(a).not.toContain(':');
  });
});

const state: DeploymentState = {
  spec: {
    deploymentId: 'd-ABCDEFGHI',
    applicationName: 'web',
    deploymentGroupName: 'prod',
    deploymentGroupId: 'g-1',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    revision: { revisionType: 'GitHub', repository: 'acme/web', commitId: 'a'.repeat(40), digest: 'f'.repeat(64) },
    bundleType: 'tgz',
    creator: 'GitHub',
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    instanceTagFilters: [],
    instanceTagSet: [],
    eventTimeoutSeconds: {},
  },
  status: 'Failed',
  createTime: '2026-11-27T08:00:00.000Z',
  startTime: '2026-11-27T08:00:01.000Z',
  completeTime: '2026-11-27T08:01:00.500Z',
  error: { code: 'HEALTH_CONSTRAINTS', message: 'Too many <hosts> & failed' },
  failing: true,
  rev: '9',
  overview: { Pending: 0, InProgress: 0, Succeeded: 1, Failed: 1, Skipped: 1, Ready: 0 },
};

describe('notices and their rendering', () => {
  const failed = buildNotice({
    triggerEvent: 'DeploymentFailure',
    triggerName: 'ops',
    event: { ...dep('Failed', 'InProgress'), errorInformation: state.error, at: Date.parse('2026-11-27T08:01:00.500Z') } as DeploymentEvent,
    state,
    publicUrl: 'https://cd.example.test',
  });

  it("carries CodeDeploy's deployment message fields", () => {
    expect(failed.message).toEqual({
      region: 'local',
      accountId: '000000000000',
      eventTriggerName: 'ops',
      eventType: 'DeploymentFailure',
      applicationName: 'web',
      deploymentId: 'd-ABCDEFGHI',
      deploymentGroupName: 'prod',
      createTime: '1795766400.000',
      completeTime: '1795766460.500',
      deploymentOverview: { Failed: '1', InProgress: '0', Pending: '0', Skipped: '1', Succeeded: '1', Ready: '0' },
      status: 'Failed',
      errorInformation: { ErrorCode: 'HEALTH_CONSTRAINTS', ErrorMessage: 'Too many <hosts> & failed' },
      revision: state.spec.revision,
    });
    expect(epochSeconds('1970-01-01T00:00:01.234Z')).toBe('1.234');
  });

  it("carries CodeDeploy's instance message fields", () => {
    const target: InstanceTarget = {
      deploymentId: 'd-ABCDEFGHI',
      targetId: 'host-1',
      status: 'Failed',
      lastUpdatedAt: '2026-11-27T08:00:30.000Z',
      version: 3,
      lifecycleEvents: [
        { lifecycleEventName: 'Install', status: 'Succeeded', startTime: '2026-11-27T08:00:10.000Z', endTime: '2026-11-27T08:00:11.000Z' },
        { lifecycleEventName: 'ValidateService', status: 'Failed', diagnostics: { errorCode: 'ScriptFailed', scriptName: 'v.sh', message: 'exit code 3', logTail: '' } },
      ],
    };
    const notice = buildNotice({ triggerEvent: 'InstanceFailure', triggerName: 'hosts', event: { ...inst('Failed', 'InProgress'), at: 0 }, state, target });
    expect(notice.message).toMatchObject({
      eventTriggerName: 'hosts',
      deploymentId: 'd-ABCDEFGHI',
      instanceId: 'host-1',
      instanceStatus: 'Failed',
      lastUpdatedAt: '0.000',
      lifecycleEvents: [
        { LifecycleEvent: 'Install', LifecycleEventStatus: 'Succeeded', StartTime: '1795766410.000', EndTime: '1795766411.000' },
        { LifecycleEvent: 'ValidateService', LifecycleEventStatus: 'Failed' },
      ],
    });
    expect(summarize(notice).error).toBe('ValidateService failed (ScriptFailed): exit code 3');
    expect(summarize(notice).subject).toBe('[Cutover] InstanceFailure: host-1 in web/prod deployment d-ABCDEFGHI Failed');
  });

  it('renders the email: subject, text and escaped HTML with every field and the link', () => {
    const mail = renderEmail(failed);
    expect(mail.subject).toBe('[Cutover] DeploymentFailure: web/prod deployment d-ABCDEFGHI Failed');
    for (const line of [
      'Application: web',
      'Deployment group: prod',
      'Deployment: d-ABCDEFGHI',
      'Status: Failed',
      `Revision: GitHub acme/web@${'a'.repeat(12)}`,
      'Created by: GitHub',
      'Instances: Succeeded 1, Failed 1, Skipped 1, InProgress 0, Pending 0',
      'Started: 2026-11-27T08:00:01.000Z',
      'Ended: 2026-11-27T08:01:00.500Z',
      'Error: HEALTH_CONSTRAINTS: Too many <hosts> & failed',
      'Details: https://cd.example.test/v1/deployments/d-ABCDEFGHI',
    ]) {
      expect(mail.text).toContain(line);
    }
    expect(mail.html).toContain('Too many &lt;hosts&gt; &amp; failed');
    expect(mail.html).not.toContain('<hosts>');
  });

  it('renders valid Block Kit with a fallback text, escaping mrkdwn', () => {
    const message = slackMessage(failed);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text).toContain('DeploymentFailure: web/prod deployment d-ABCDEFGHI Failed');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(JSON.stringify(message.blocks)).toContain('Too many &lt;hosts&gt; &amp; failed');
    expect(message.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: 'https://cd.example.test/v1/deployments/d-ABCDEFGHI' }] });
    expect(escapeMrkdwn('<a|b> & c')).toBe('&lt;a|b&gt; &amp; c');
    expect(blockKitProblems(slackMessage(testNotice('web', 'prod', 'ops', new Date(0))))).toEqual([]);
  });

  it('the Block Kit checker catches what Slack would refuse', () => {
    expect(blockKitProblems({ blocks: [] })).toEqual(expect.arrayContaining([expect.stringContaining('text')]));
    expect(blockKitProblems({ text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] })).toHaveLength(1);
    expect(blockKitProblems({ text: 'x', blocks: [{ type: 'section', fields: Array(11).fill({ type: 'mrkdwn', text: 'x' }) }] })).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('masks URLs down to their origin and last four characters', () => {
    expect(maskUrl('https://hooks.slack.com/services/T000/B000/XXXXabcd')).toBe('https://hooks.slack.com/****abcd');
    expect(maskUrl('http://127.0.0.1:9/x')).toBe('http://127.0.0.1:9/****');
    expect(maskUrl('not a url')).toBe('****');
  });

  it('shows a group with its trigger targets masked', () => {
    const group = {
      triggerConfigurations: [
        {
          triggerName: 't',
          triggerEvents: ['DeploymentStart'],
          targets: [
            { type: 'slack', url: 'https://hooks.slack.com/services/T/B/topsecretpath' },
            { type: 'webhook', url: 'https://example.test/hook/topsecrettoo', secret: 'a-very-secret-value' },
            { type: 'email', to: ['ops@example.test'] },
          ],
        },
      ],
    } as unknown as DeploymentGroup;
    const shown = JSON.stringify(publicGroup(group));
    expect(shown).not.toMatch(/topsecret|a-very-secret-value/);
    expect(shown).toContain('ops@example.test');
  });

  it('scrubs secrets and URL credentials from error text', () => {
    expect(scrub('failed https://user:tok3n@git.example.test/x.git with tok3n', ['tok3n'])).toBe('failed https://****@git.example.test/x.git with ****');
  });
});

describe('webhook signature', () => {
  const body = '{"deploymentId":"d-ABCDEFGHI"}';
  const secret = 'whsec-0123456789abcdef';

  it('verifies what it signed, within the time window only', () => {
    const header = signWebhook(secret, body, 1_000_000);
    expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, body, header, 1_000_100)).toEqual({ ok: true, timestamp: 1_000_000 });
    expect(verifyWebhook(secret, body, header, 1_000_301)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyWebhook(secret, `${body} `, header, 1_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook('another-secret-here', body, header, 1_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(secret, body, header.replace('t=1000000', 't=1000001'), 1_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(secret, body, 'v1=abc', 1_000_000)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhook(secret, body, undefined, 1_000_000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('trigger configuration schema', () => {
  const target = { type: 'slack', url: 'https://hooks.slack.com/services/a' };
  it('accepts CodeDeploy events and up to ten triggers; a single email address becomes a list', () => {
    const parsed = TriggerConfigurationsBody.parse([{ triggerName: 'a', triggerEvents: ['DeploymentStart', 'InstanceReady'], targets: [{ type: 'email', to: 'x@example.test' }] }]);
    expect(parsed[0].targets[0]).toEqual({ type: 'email', to: ['x@example.test'] });
    expect(TriggerConfigurationsBody.safeParse(Array.from({ length: 10 }, (_, i) => ({ triggerName: `t${i}`, triggerEvents: ['DeploymentStart'], targets: [target] }))).success).toBe(true);
  });
  it.each([
    ['eleven triggers', Array.from({ length: 11 }, (_, i) => ({ triggerName: `t${i}`, triggerEvents: ['DeploymentStart'], targets: [target] }))],
    ['duplicate names', [{ triggerName: 'a', triggerEvents: ['DeploymentStart'], targets: [target] }, { triggerName: 'a', triggerEvents: ['DeploymentStop'], targets: [target] }]],
    ['an unknown event', [{ triggerName: 'a', triggerEvents: ['DeploymentStarted'], targets: [target] }]],
    ['no targets', [{ triggerName: 'a', triggerEvents: ['DeploymentStart'], targets: [] }]],
    ['a short webhook secret', [{ triggerName: 'a', triggerEvents: ['DeploymentStart'], targets: [{ type: 'webhook', url: 'https://x.test', secret: 'short' }] }]],
    ['a non-http URL', [{ triggerName: 'a', triggerEvents: ['DeploymentStart'], targets: [{ type: 'slack', url: 'ftp://x.test/a' }] }]],
    ['an unknown field', [{ triggerName: 'a', triggerEvents: ['DeploymentStart'], targets: [target], triggerTargetArn: 'arn:x' }]],
  ])('refuses %s', (_what, value) => {
    expect(TriggerConfigurationsBody.safeParse(value).success).toBe(false);
  });
});
