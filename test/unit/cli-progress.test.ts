/**
 * The CLI's pure parts: the progress model (snapshot and events in any order, statuses only
 * forward), the terminal view, and apply's file checking and plan.
 */
import { describe, expect, it } from 'vitest';
import { DeploymentProgress, InPlaceRenderer, renderProgress } from '../../cli/progress.js';
import { parseApplyFile, plan } from '../../cli/apply-plan.js';
import type { InstanceTarget } from '../../shared/domain/types.js';

const target = (id: string, status: InstanceTarget['status'], events: [string, string][]): InstanceTarget =>
  ({
    deploymentId: 'd-AAAAAAAAA',
    targetId: id,
    status,
    lastUpdatedAt: '2026-11-27T10:00:00Z',
    lifecycleEvents: events.map(([lifecycleEventName, s]) => ({ lifecycleEventName, status: s })),
    version: 1,
  }) as InstanceTarget;

describe('deployment progress', () => {
  it('merges a snapshot and events in any order without going backwards', () => {
    const p = new DeploymentProgress('d-AAAAAAAAA');
    p.applySnapshot({ status: 'InProgress' }, [target('h1', 'InProgress', [['DownloadBundle', 'Succeeded'], ['Install', 'InProgress']]), target('h2', 'Pending', [])]);
    // A late event from before the snapshot changes nothing.
    expect(p.applyEvent({ type: 'LifecycleEvent', deploymentId: 'd-AAAAAAAAA', instanceId: 'h1', lifecycleEventName: 'DownloadBundle', status: 'InProgress' })).toEqual([]);
    expect(p.applyEvent({ type: 'InstanceStatus', deploymentId: 'd-AAAAAAAAA', instanceId: 'h1', status: 'Succeeded', previousStatus: 'InProgress' })).toEqual([{ line: 'h1 Succeeded' }]);
    const failed = p.applyEvent({ type: 'LifecycleEvent', deploymentId: 'd-AAAAAAAAA', instanceId: 'h2', lifecycleEventName: 'ValidateService', status: 'Failed', errorCode: 'ScriptFailed', message: 'exit 3' });
    expect(failed).toEqual([{ line: 'h2 ValidateService Failed: ScriptFailed exit 3' }]);
    p.applyEvent({ type: 'DeploymentStatus', deploymentId: 'd-AAAAAAAAA', status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'too many failed' } });
    expect(p.finished).toBe(true);
    expect(p.counts()).toMatchObject({ Succeeded: 1, Pending: 1 });
  });

  it('draws a bar and a line per instance, busiest first, and redraws in place', () => {
    const p = new DeploymentProgress('d-AAAAAAAAA');
    p.applySnapshot({ status: 'InProgress' }, [
      target('web-1', 'Succeeded', [['ValidateService', 'Succeeded']]),
      target('web-2', 'InProgress', [['AfterInstall', 'InProgress']]),
      target('web-3', 'Pending', []),
    ]);
    const lines = renderProgress(p, Date.now() - 5000, 20);
    expect(lines[0]).toMatch(/^d-AAAAAAAAA InProgress \[█{8}░{16}\] 1\/3 · 1 succeeded, 1 in progress, 1 pending · 5s$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}web-2 +▸ AfterInstall/), expect.stringMatching(/^ {2}web-3 +· Pending$/), expect.stringMatching(/^ {2}web-1 +✓ Succeeded$/)]);
    expect(renderProgress(p, Date.now(), 3)).toHaveLength(3); // the bar, one host, "… 2 more"
    let written = '';
    const renderer = new InPlaceRenderer((text) => (written += text));
    renderer.draw(['a', 'b']);
    renderer.draw(['c']);
    expect(written).toBe('\r\x1b[2Ka\n\r\x1b[2Kb\n\x1b[2A\r\x1b[2Kc\n\r\x1b[2K\n\x1b[1A');
  });
});

describe('apply file and plan', () => {
  it('reports every problem with its line, using the api\'s own schemas', () => {
    const parsed = parseApplyFile(['applications:', '  web:', '    deploymentGroups:', '      prod:', '        deploymentConfigName: "bad name!"', '        colour: blue', 'deploymentConfigs:', '  X:', '    minimumHealthyHosts: { type: HOST_COUNT, value: -1 }', 'extra: 1'].join('\n'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => [p.line, p.path])).toEqual(
      expect.arrayContaining([
        [10, 'extra'],
        [9, 'deploymentConfigs.X.minimumHealthyHosts.value'],
        [5, 'applications.web.deploymentGroups.prod.deploymentConfigName'],
        [4, 'applications.web.deploymentGroups.prod'],
      ]),
    );
  });

  it('creates what is missing, leaves what matches, updates what differs, refuses to change a config', () => {
    const parsed = parseApplyFile(
      ['applications:', '  web:', '    deploymentGroups:', '      prod: { deploymentConfigName: CodeDeployDefault.OneAtATime }', '      new: {}', 'deploymentConfigs:', '  Two:', '    minimumHealthyHosts: { type: HOST_COUNT, value: 2 }'].join('\n'),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const items = plan(parsed.desired, {
      applications: new Set(['web']),
      configs: new Map([['Two', { deploymentConfigName: 'Two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }]]),
      groups: new Map([['web/prod', { deploymentGroupName: 'prod', deploymentConfigName: 'CodeDeployDefault.AllAtOnce', instanceTagFilters: [], instanceTagSet: [] }]]),
    });
    expect(items.map((i) => [i.kind, i.name, i.action])).toEqual([
      ['application', 'web', 'unchanged'],
      ['deploymentConfig', 'Two', 'conflict'],
      ['deploymentGroup', 'prod', 'update'],
      ['deploymentGroup', 'new', 'create'],
    ]);
    expect(items[2].changes).toEqual({ deploymentConfigName: ['CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.OneAtATime'] });
  });
});
