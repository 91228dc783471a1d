/**
 * The registered instances (agents): registration status, tags, last heartbeat (an agent's poll is
 * its heartbeat) and the revision each deployment group last installed there. Heartbeats are not
 * events, so this page re-reads every 5 s.
 */
import { useEffect } from 'preact/hooks';
import { api } from '../api';
import { ago, shortDigest } from '../format';
import { useLoad, useTick } from '../hooks';
import { href } from '../router';
import type { Instance, InstanceRevision } from '../types';
import { Status } from '../components/Status';

/** An agent polls at least every 20 s; silent for longer than this, it is probably gone. */
const SILENT_AFTER_MS = 45_000;
/** The revisions are one request per instance: only for this many. */
const DETAILED = 100;

type Row = Instance & { deployedRevisions?: InstanceRevision[] };

export function Instances() {
  const loaded = useLoad(async (): Promise<Row[]> => {
    const { instances } = await api.get<{ instances: Instance[] }>('/v1/instances');
    const sorted = [...instances].sort((a, b) => a.instanceName.localeCompare(b.instanceName));
    return Promise.all(
      sorted.map((i, n) => (n < DETAILED ? api.get<Row>(`/v1/instances/${encodeURIComponent(i.instanceName)}`).catch(() => i) : Promise.resolve(i))),
    );
  }, []);
  const now = useTick(5000);
  useEffect(() => {
    const timer = setInterval(loaded.reload, 5000);
    return () => clearInterval(timer);
  }, []);
  const rows = loaded.data ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Instances</h1>
      {loaded.error && (
        <p role="alert" class="error">
          {loaded.error}
        </p>
      )}
      {rows.length === 0 && !loaded.loading ? (
        <p class="empty">No instances have registered. Start an agent with the enrollment token (see the README).</p>
      ) : (
        <table class="list instances">
          <caption class="visually-hidden">Registered instances</caption>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Status</th>
              <th scope="col">Tags</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Current revision</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const silent = i.registrationStatus === 'Registered' && (!i.lastSeenAt || Date.now() - Date.parse(i.lastSeenAt) > SILENT_AFTER_MS);
              return (
                <tr key={i.instanceName} data-instance={i.instanceName}>
                  <td data-label="Instance">
                    <strong>{i.instanceName}</strong>
                    {i.hostname && i.hostname !== i.instanceName && <div class="muted">{i.hostname}</div>}
                    {i.agentVersion && <div class="muted">agent {i.agentVersion}</div>}
                  </td>
                  <td data-label="Status">
                    <Status value={i.registrationStatus} />
                    {i.registrationStatus === 'Registered' && (silent ? <Status value="Unknown" label="Silent" /> : <Status value="Succeeded" label="Online" />)}
                  </td>
                  <td data-label="Tags">
                    <ul class="tags" aria-label="Tags">
                      {Object.entries(i.tags ?? {}).map(([k, v]) => (
                        <li key={k}>
                          {k}={v}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td data-label="Last heartbeat" title={i.lastSeenAt}>
                    {ago(i.lastSeenAt, now)}
                  </td>
                  <td data-label="Current revision">
                    {(i.deployedRevisions ?? []).length === 0 ? (
                      <span class="muted">none recorded</span>
                    ) : (
                      <ul class="revisions">
                        {(i.deployedRevisions ?? []).map((r) => (
                          <li key={`${r.applicationName}/${r.deploymentGroupName}`}>
                            {r.applicationName}/{r.deploymentGroupName}: <code title={r.digest}>{shortDigest(r.digest)}</code>{' '}
                            <a href={href(`/deployments/${r.deploymentId}`)}>{r.deploymentId}</a> <Status value={r.status} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
