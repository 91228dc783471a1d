/** Applications and their deployment groups, read-only: the settings each group deploys with. */
import { api } from '../api';
import { formatTime, shortDigest } from '../format';
import { useLoad } from '../hooks';
import { href } from '../router';
import type { Application, DeploymentGroup, LastDeploymentInfo, TagFilter } from '../types';
import { Status } from '../components/Status';

interface AppWithGroups {
  app: Application;
  groups: DeploymentGroup[];
  error?: string;
}

function filterText(f: TagFilter): string {
  if (f.key !== undefined && f.value !== undefined) return `${f.key}=${f.value}`;
  return f.key !== undefined ? `${f.key} (any value)` : `any key = ${f.value ?? ''}`;
}

function Last({ info }: { info?: LastDeploymentInfo }) {
  if (!info) return <span class="muted">none</span>;
  return (
    <>
      <a href={href(`/deployments/${info.deploymentId}`)}>{info.deploymentId}</a> <Status value={info.status} /> <span class="muted">{formatTime(info.endTime ?? info.createTime)}</span>
    </>
  );
}

function Group({ g }: { g: DeploymentGroup }) {
  const blueGreen = g.deploymentStyle.deploymentType === 'BLUE_GREEN';
  return (
    <article class="group panel" aria-labelledby={`g-${g.deploymentGroupId}`} data-group={g.deploymentGroupName}>
      <h3 id={`g-${g.deploymentGroupId}`}>{g.deploymentGroupName}</h3>
      <dl>
        <dt>Deployment config</dt>
        <dd>{g.deploymentConfigName}</dd>
        <dt>Style</dt>
        <dd>
          {blueGreen ? 'Blue/green' : 'In place'}, {g.deploymentStyle.deploymentOption === 'WITH_TRAFFIC_CONTROL' ? 'with traffic control' : 'without traffic control'}
        </dd>
        <dt>Instances</dt>
        <dd>
          {g.instanceTagFilters.length > 0 && <>tagged {g.instanceTagFilters.map(filterText).join(' or ')}</>}
          {(g.instanceTagSet ?? []).length > 0 && <> matching each of {(g.instanceTagSet ?? []).map((set) => `(${set.map(filterText).join(' or ')})`).join(' and ')}</>}
          {g.instanceTagFilters.length === 0 && (g.instanceTagSet ?? []).length === 0 && <span class="muted">no filters</span>}
        </dd>
        {g.blueGreenDeploymentConfiguration?.pools && (
          <>
            <dt>Pools</dt>
            <dd>{g.blueGreenDeploymentConfiguration.pools.map((p) => `${p.poolName}: ${p.tagFilters.map(filterText).join(' or ')}`).join('; ')}</dd>
          </>
        )}
        {g.loadBalancerInfo && (
          <>
            <dt>Load balancer</dt>
            <dd>
              {g.loadBalancerInfo.driver ?? ''} {g.loadBalancerInfo.targetGroupName ?? ''}
            </dd>
          </>
        )}
        <dt>Automatic rollback</dt>
        <dd>{g.autoRollbackConfiguration?.enabled ? `on ${g.autoRollbackConfiguration.events.join(', ')}` : 'off'}</dd>
        {g.alarmConfiguration && (
          <>
            <dt>Alarms</dt>
            <dd>
              {g.alarmConfiguration.enabled === false ? 'off: ' : ''}
              {(g.alarmConfiguration.alarms ?? []).map((a) => a.name).join(', ') || 'none'}
            </dd>
          </>
        )}
        {g.triggerConfigurations && g.triggerConfigurations.length > 0 && (
          <>
            <dt>Notifications</dt>
            <dd>{g.triggerConfigurations.map((t) => t.triggerName).join(', ')}</dd>
          </>
        )}
        {g.gitSource && (
          <>
            <dt>Deploys on push</dt>
            <dd>
              {g.gitSource.provider} {g.gitSource.repository} @ {g.gitSource.branch}
            </dd>
          </>
        )}
        <dt>Target revision</dt>
        <dd>{g.targetRevision ? <code title={g.targetRevision.digest}>{shortDigest(g.targetRevision.digest)}</code> : <span class="muted">none yet</span>}</dd>
        <dt>Last attempted</dt>
        <dd>
          <Last info={g.lastAttemptedDeployment} />
        </dd>
        <dt>Last successful</dt>
        <dd>
          <Last info={g.lastSuccessfulDeployment} />
        </dd>
      </dl>
      <p>
        <a href={href('/deployments', { app: g.applicationName, group: g.deploymentGroupName })}>Deployments of {g.deploymentGroupName}</a>
      </p>
    </article>
  );
}

export function Applications() {
  const loaded = useLoad(async (): Promise<AppWithGroups[]> => {
    const { applications } = await api.get<{ applications: Application[] }>('/v1/applications');
    const sorted = [...applications].sort((a, b) => a.applicationName.localeCompare(b.applicationName));
    return Promise.all(
      sorted.map(async (app) => {
        try {
          const { deploymentGroups } = await api.get<{ deploymentGroups: DeploymentGroup[] }>(`/v1/applications/${encodeURIComponent(app.applicationName)}/deployment-groups`);
          return { app, groups: deploymentGroups };
        } catch (err) {
          return { app, groups: [], error: String(err) };
        }
      }),
    );
  }, []);
  const apps = loaded.data ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Applications</h1>
      {loaded.error && (
        <p role="alert" class="error">
          {loaded.error}
        </p>
      )}
      {apps.length === 0 && !loaded.loading && <p class="empty">No applications yet.</p>}
      {apps.map(({ app, groups, error }) => (
        <section key={app.applicationName} class="application" aria-labelledby={`app-${app.applicationId}`}>
          <h2 id={`app-${app.applicationId}`}>{app.applicationName}</h2>
          <p class="muted">
            Created {formatTime(app.createTime)} · {groups.length} deployment group{groups.length === 1 ? '' : 's'} ·{' '}
            <a href={href('/deployments', { app: app.applicationName })}>its deployments</a>
          </p>
          {error && <p class="error">{error}</p>}
          <div class="groups">
            {groups.map((g) => (
              <Group key={g.deploymentGroupName} g={g} />
            ))}
          </div>
        </section>
      ))}
    </>
  );
}
