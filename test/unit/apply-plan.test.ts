/** `cutover apply`'s plan: what it creates, updates (and which fields), leaves, or cannot do. */
import { describe, expect, it } from 'vitest';
import { parseApplyFile, plan, type Current, type Desired } from '../../cli/apply-plan.js';

const SLACK = 'https://hooks.slack.com/services/T0/B0/secretpathAAAA';

function desiredOf(text: string): Desired {
  const parsed = parseApplyFile(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.desired;
}

const FILE = `applications:
  web:
    deploymentGroups:
      prod:
        deploymentConfigName: CodeDeployDefault.AllAtOnce
        triggerConfigurations:
          - { triggerName: chat, triggerEvents: [DeploymentSuccess], targets: [{ type: slack, url: "${SLACK}" }] }
deploymentConfigs:
  Two:
    minimumHealthyHosts: { type: HOST_COUNT, value: 2 }
`;

/** The server as GET shows it: the Slack URL masked. */
const server = (config: string, events: string[]): Current => ({
  applications: new Set(['web']),
  configs: new Map([['Two', { deploymentConfigName: 'Two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } }]]),
  groups: new Map([
    ['web/prod', { deploymentGroupName: 'prod', deploymentConfigName: config, instanceTagFilters: [], triggerConfigurations: [{ triggerName: 'chat', triggerEvents: events, targets: [{ type: 'slack', url: 'https://hooks.slack.com/****AAAA' }] }] }],
  ]),
});

describe('plan', () => {
  it('creates what is missing', () => {
    const items = plan(desiredOf(FILE), { applications: new Set(), configs: new Map(), groups: new Map() });
    expect(items.map((i) => `${i.action} ${i.name}`)).toEqual(['create web', 'create Two', 'create prod']);
  });

  it('finds a file with its secrets in clear unchanged against the masked server', () => {
    expect(plan(desiredOf(FILE), server('CodeDeployDefault.AllAtOnce', ['DeploymentSuccess'])).map((i) => i.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('lists the fields of a group that differ, secrets masked', () => {
    const group = plan(desiredOf(FILE), server('CodeDeployDefault.OneAtATime', ['DeploymentFailure']))[2];
    expect(group.action).toBe('update');
    expect(Object.keys(group.changes ?? {})).toEqual(['deploymentConfigName', 'triggerConfigurations']);
    expect(JSON.stringify(group.changes)).not.toContain('secretpath');
  });

  it('refuses to change a deployment config, whichever field differs', () => {
    const desired = desiredOf(FILE);
    desired.configs[0].normalized = { ...desired.configs[0].normalized, trafficRoutingConfig: { type: 'AllAtOnce' } };
    const current = server('CodeDeployDefault.AllAtOnce', ['DeploymentSuccess']);
    current.configs.set('Two', { ...current.configs.get('Two'), trafficRoutingConfig: { type: 'TimeBasedLinear' } });
    expect(plan(desired, current)[1]).toMatchObject({ action: 'conflict', changes: { trafficRoutingConfig: [{ type: 'TimeBasedLinear' }, { type: 'AllAtOnce' }] } });
  });
});
