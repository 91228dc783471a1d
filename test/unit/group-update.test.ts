/** UpdateDeploymentGroup's pure rules: the merge, and which masked values keep which stored secret. */
import { describe, expect, it } from 'vitest';
import { groupRecord, identityOf, keepStoredSecrets, refuseRename, shownForComparison, updatedInput, type UpdateBody } from '../../api/group-update.js';
import { CreateDeploymentGroupBody } from '../../api/schemas.js';
import { publicGroup } from '../../shared/notifications/mask.js';
import { withRedactedLoadBalancer } from '../../api/load-balancer-schema.js';
import type { DeploymentGroup } from '../../shared/domain/types.js';

const SLACK = 'https://hooks.slack.com/services/T0/B0/secretpathAAAA';
const HOOK = 'https://hooks.example.invalid/in/secretpathBBBB';

const stored: DeploymentGroup = {
  applicationName: 'app',
  deploymentGroupName: 'prod',
  deploymentGroupId: 'id-1',
  createTime: '2026-01-01T00:00:00.000Z',
  deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
  instanceTagFilters: [{ key: 'app', value: 'web' }],
  instanceTagSet: [],
  deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
  triggerConfigurations: [
    { triggerName: 'chat', triggerEvents: ['DeploymentSuccess'], targets: [{ type: 'slack', url: SLACK }] },
    { triggerName: 'hook', triggerEvents: ['DeploymentFailure'], targets: [{ type: 'webhook', url: HOOK, secret: 'the-webhook-secret-123' }] },
  ],
  loadBalancerInfo: {
    driver: 'builtin',
    targetGroupName: 'web',
    targetAddressTag: 'cutover:target',
    weight: 100,
    deregistrationDelaySeconds: 30,
    healthyTimeoutSeconds: 300,
    healthCheck: { path: '/healthz', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 3, unhealthyThresholdCount: 2 },
    builtin: { adminUrl: 'http://127.0.0.1:9901', adminToken: 'router-admin-token-0123' },
  },
};
/** What GET answers. */
const shown = publicGroup(withRedactedLoadBalancer(stored));

function update(body: UpdateBody): DeploymentGroup {
  return groupRecord(identityOf(stored), CreateDeploymentGroupBody.parse(updatedInput(stored, body)));
}

describe('keepStoredSecrets', () => {
  it('puts back every secret GET masked, so GET → PUT changes nothing', () => {
    const { triggerConfigurations, loadBalancerInfo } = shown;
    expect(keepStoredSecrets({ triggerConfigurations, loadBalancerInfo }, stored)).toEqual({
      triggerConfigurations: stored.triggerConfigurations,
      loadBalancerInfo: stored.loadBalancerInfo,
    });
    expect(update(keepStoredSecrets({ triggerConfigurations, loadBalancerInfo }, stored) as UpdateBody)).toEqual(stored);
  });

  it('finds a masked target moved to another trigger, and a masked secret by its clear URL', () => {
    const body = { triggerConfigurations: [{ triggerName: 'all', triggerEvents: ['DeploymentStart'], targets: [shown.triggerConfigurations![1].targets[0], { type: 'webhook', url: HOOK, secret: '****' }] }] };
    const kept = keepStoredSecrets(body, stored) as { triggerConfigurations: { targets: unknown[] }[] };
    expect(kept.triggerConfigurations[0].targets).toEqual([stored.triggerConfigurations![1].targets[0], stored.triggerConfigurations![1].targets[0]]);
  });

  const refused: [string, unknown][] = [
    ['a masked URL of no stored target', { triggerConfigurations: [{ triggerName: 'chat', targets: [{ type: 'slack', url: 'https://hooks.slack.com/****ZZZZ' }] }] }],
    ['a slack mask used for a webhook', { triggerConfigurations: [{ triggerName: 'chat', targets: [{ type: 'webhook', url: shown.triggerConfigurations![0].targets[0].type === 'slack' ? shown.triggerConfigurations![0].targets[0].url : '', secret: '****' }] }] }],
    ['a masked secret for a new URL', { triggerConfigurations: [{ triggerName: 'hook', targets: [{ type: 'webhook', url: 'https://elsewhere.invalid/x', secret: '****' }] }] }],
    ['the redacted token with another adminUrl', { loadBalancerInfo: { ...shown.loadBalancerInfo, builtin: { adminUrl: 'http://10.0.0.1:9901', adminToken: '[redacted]' } } }],
  ];
  for (const [what, body] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => keepStoredSecrets(body, stored)).toThrow(/ValidationException|masked|redacted/);
    });
  }

  it('leaves clear values and other shapes alone', () => {
    const body = { triggerConfigurations: [{ triggerName: 'chat', targets: [{ type: 'slack', url: 'https://hooks.slack.com/new' }, 'junk'] }], loadBalancerInfo: 7 };
    expect(keepStoredSecrets(body, stored)).toEqual(body);
    expect(keepStoredSecrets([1, 2], stored)).toEqual([1, 2]);
  });
});

describe('updatedInput', () => {
  it('replaces given fields, keeps the rest, null resets, and one target form replaces the other', () => {
    const next = update({ deploymentConfigName: null, instanceTagSet: [[{ key: 'tier', value: 'web' }]], triggerConfigurations: [] });
    expect(next).toMatchObject({ deploymentGroupId: 'id-1', createTime: stored.createTime, deploymentConfigName: 'CodeDeployDefault.OneAtATime' });
    expect(next.instanceTagFilters).toEqual([]);
    expect(next.instanceTagSet).toEqual([[{ key: 'tier', value: 'web' }]]);
    expect(next.triggerConfigurations).toEqual([]);
    expect(next.loadBalancerInfo).toEqual(stored.loadBalancerInfo);
    expect(update({ loadBalancerInfo: null })).not.toHaveProperty('loadBalancerInfo');
  });

  it('refuses a rename but takes the group\'s own name', () => {
    expect(() => refuseRename('prod', { newDeploymentGroupName: 'prod2' })).toThrow(/cannot be renamed/);
    expect(() => refuseRename('prod', { name: 'other' })).toThrow(/cannot be renamed/);
    expect(() => refuseRename('prod', { name: 'prod', deploymentGroupName: 'prod', newDeploymentGroupName: 'prod' })).not.toThrow();
  });
});

describe('shownForComparison', () => {
  it('gives a file\'s clear values and GET\'s masked ones the same form', () => {
    const fields = { triggerConfigurations: stored.triggerConfigurations, loadBalancerInfo: stored.loadBalancerInfo };
    const fromGet = { triggerConfigurations: shown.triggerConfigurations, loadBalancerInfo: shown.loadBalancerInfo };
    expect(shownForComparison(fields)).toEqual(fromGet);
    expect(shownForComparison(fromGet)).toEqual(fromGet);
  });
});
