/**
 * Every deployment, newest first, filtered by application, group and status (kept in the URL's
 * hash). Live: the global event stream (/v1/events) patches statuses as they change and re-reads
 * the list (at most twice a second) so counts and new deployments appear without a reload.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, query as qs } from '../api';
import { formatTime, shortDigest } from '../format';
import { useLoad, useStream, useThrottle } from '../hooks';
import { href, navigate } from '../router';
import { DEPLOYMENT_STATUSES, type Application, type Deployment, type DeploymentEvent, type DeploymentGroup } from '../types';
import { Status } from '../components/Status';
import { LiveIndicator } from '../components/LiveIndicator';

export function DeploymentsList({ query }: { query: URLSearchParams }) {
  const app = query.get('app') || undefined;
  const group = (app && query.get('group')) || undefined;
  const status = query.get('status') || undefined;

  const apps = useLoad(() => api.get<{ applications: Application[] }>('/v1/applications'), []);
  const groups = useLoad(
    () => (app ? api.get<{ deploymentGroups: DeploymentGroup[] }>(`/v1/applications/${encodeURIComponent(app)}/deployment-groups`) : Promise.resolve({ deploymentGroups: [] })),
    [app],
  );
  const list = useLoad(
    () => api.get<{ deployments: Deployment[] }>(`/v1/deployments${qs({ applicationName: app, deploymentGroupName: group, status })}`),
    [app, group, status],
  );
  const [rows, setRows] = useState<Deployment[]>([]);
  useEffect(() => setRows(list.data?.deployments ?? []), [list.data]);

  const reload = useThrottle(list.reload, 500);
  const live = useStream(
    '/v1/events',
    (m) => {
      let event: DeploymentEvent;
      try {
        event = JSON.parse(m.data) as DeploymentEvent;
      } catch {
        return;
      }
      if (event.type === 'DeploymentStatus' && event.status) {
        const next = event.status;
        setRows((rs) => rs.map((r) => (r.deploymentId === event.deploymentId ? { ...r, status: next as Deployment['status'] } : r)));
      }
      reload();
    },
    // (Re)connected: what changed while the stream was not open is read again.
    reload,
  );

  const setFilter = (change: Record<string, string | undefined>) => {
    const next = { app, group, status, ...change };
    if (change.app !== undefined) next.group = undefined;
    navigate(href('/deployments', next));
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Deployments</h1>
        <LiveIndicator state={live} />
      </div>
      <form class="filters" aria-label="Filter deployments" onSubmit={(e) => e.preventDefault()}>
        <label>
          Application
          <select value={app ?? ''} onChange={(e) => setFilter({ app: (e.target as HTMLSelectElement).value })}>
            <option value="">All applications</option>
            {(apps.data?.applications ?? []).map((a) => (
              <option key={a.applicationName} value={a.applicationName}>
                {a.applicationName}
              </option>
            ))}
          </select>
        </label>
        <label>
          Deployment group
          <select value={group ?? ''} disabled={!app} onChange={(e) => setFilter({ group: (e.target as HTMLSelectElement).value || undefined })}>
            <option value="">{app ? 'All groups' : 'Choose an application first'}</option>
            {(groups.data?.deploymentGroups ?? []).map((g) => (
              <option key={g.deploymentGroupName} value={g.deploymentGroupName}>
                {g.deploymentGroupName}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => setFilter({ status: (e.target as HTMLSelectElement).value || undefined })}>
            <option value="">Any status</option>
            {DEPLOYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.error && (
        <p role="alert" class="error">
          {list.error}
        </p>
      )}
      {rows.length === 0 && !list.loading ? (
        <p class="empty">No deployments{app || status ? ' match these filters' : ' yet'}.</p>
      ) : (
        <table class="list deployments">
          <caption class="visually-hidden">Deployments, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Status</th>
              <th scope="col">Application</th>
              <th scope="col">Group</th>
              <th scope="col">Instances</th>
              <th scope="col">Revision</th>
              <th scope="col">Created</th>
              <th scope="col">Ended</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => {
              const o = d.deploymentOverview;
              const total = o ? o.Pending + o.InProgress + o.Succeeded + o.Failed + o.Skipped + (o.Ready ?? 0) : 0;
              return (
                <tr key={d.deploymentId} data-deployment={d.deploymentId}>
                  <td data-label="Deployment">
                    <a href={href(`/deployments/${d.deploymentId}`)}>{d.deploymentId}</a>
                    {d.creator === 'codeDeployRollback' && <span class="muted"> (rollback)</span>}
                  </td>
                  <td data-label="Status">
                    <Status value={d.status} />
                  </td>
                  <td data-label="Application">{d.applicationName}</td>
                  <td data-label="Group">{d.deploymentGroupName}</td>
                  <td data-label="Instances">
                    {total === 0 ? '—' : `${o.Succeeded} of ${total} succeeded${o.Failed ? `, ${o.Failed} failed` : ''}${o.InProgress ? `, ${o.InProgress} in progress` : ''}`}
                  </td>
                  <td data-label="Revision">
                    <code title={d.revision.digest}>{shortDigest(d.revision.digest)}</code>
                  </td>
                  <td data-label="Created">{formatTime(d.createTime)}</td>
                  <td data-label="Ended">{formatTime(d.completeTime)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
