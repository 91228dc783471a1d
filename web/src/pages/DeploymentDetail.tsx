/**
 * One deployment: its facts, the actions, the fleet counts, the traffic chart (blue/green), the
 * timeline and the script log of the segment chosen. Live: the deployment's own event stream
 * (/v1/deployments/:id/events, from its creation) moves statuses at once, and each message also
 * asks for a fresh read (at most every 300 ms) for the times and diagnostics it does not carry.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { between, formatDuration, formatTime } from '../format';
import { useLoad, useStream, useThrottle, useTick } from '../hooks';
import { href } from '../router';
import { useIdentity } from '../identity';
import type { Deployment, DeploymentEvent, LifecycleEvent, Target } from '../types';
import { Status } from '../components/Status';
import { LiveIndicator } from '../components/LiveIndicator';
import { DeploymentActions } from '../components/DeploymentActions';
import { FleetCounts } from '../components/FleetCounts';
import { Timeline, type Selection } from '../components/Timeline';
import { LogPanel } from '../components/LogPanel';
import { TrafficChart } from '../components/TrafficChart';

interface Loaded {
  deployment: Deployment;
  targets: Target[];
}

/**
 * How far along a status is. The stream replays a deployment's history from its start, so an
 * event is applied only when it moves a status forward; the fresh read settles the rest.
 */
const RANK: Record<string, number> = { Created: 0, Pending: 0, Queued: 1, InProgress: 2, Ready: 3, Baking: 3, Unknown: 3, Succeeded: 4, Failed: 4, Skipped: 4, Stopped: 4 };
const forward = (from: string, to: string) => (RANK[to] ?? 0) > (RANK[from] ?? 0);

/** Apply one event to what is shown, before the fresh read arrives. */
function applyEvent(state: Loaded, e: DeploymentEvent): Loaded {
  const to = e.status;
  if (!to) return state;
  if (e.type === 'DeploymentStatus') {
    return forward(state.deployment.status, to) ? { ...state, deployment: { ...state.deployment, status: to as Deployment['status'] } } : state;
  }
  if (e.type === 'InstanceStatus' && e.instanceId) {
    return { ...state, targets: state.targets.map((t) => (t.targetId === e.instanceId && forward(t.status, to) ? { ...t, status: to } : t)) };
  }
  if (e.type === 'LifecycleEvent' && e.instanceId && e.lifecycleEventName) {
    const patch = (le: LifecycleEvent) => (le.lifecycleEventName === e.lifecycleEventName && forward(le.status, to) ? { ...le, status: to } : le);
    return { ...state, targets: state.targets.map((t) => (t.targetId === e.instanceId ? { ...t, lifecycleEvents: t.lifecycleEvents.map(patch) } : t)) };
  }
  return state;
}

/** The API answers 404 both for no such deployment and for another account's: the page cannot tell them apart either. */
function NotFound({ id }: { id: string }) {
  const who = useIdentity();
  return (
    <>
      <h1 tabIndex={-1}>Deployment not found</h1>
      <p class="not-found" data-not-found={id}>
        There is no deployment <code>{id}</code>
        {who.state === 'known' ? (
          <>
            {' '}
            in account <strong>{who.identity.accountId}</strong>
          </>
        ) : null}
        : it does not exist, or it belongs to another account that has not shared its group with this one.
      </p>
      <p>
        <a href={href('/deployments')}>Go to the deployments.</a>
      </p>
    </>
  );
}

export function DeploymentDetail({ id }: { id: string }) {
  const path = `/v1/deployments/${encodeURIComponent(id)}`;
  const loaded = useLoad(async (): Promise<Loaded> => {
    const [deployment, { targets }] = await Promise.all([api.get<Deployment>(path), api.get<{ targets: Target[] }>(`${path}/targets`)]);
    return { deployment, targets };
  }, [id]);
  const [shown, setShown] = useState<Loaded | undefined>();
  const [selection, setSelection] = useState<Selection | undefined>();
  const now = useTick(1000);
  useEffect(() => setShown(loaded.data), [loaded.data]);
  useEffect(() => setSelection(undefined), [id]);

  const reload = useThrottle(loaded.reload, 300);
  const live = useStream(`${path}/events`, (m) => {
    try {
      const event = JSON.parse(m.data) as DeploymentEvent;
      setShown((s) => (s ? applyEvent(s, event) : s));
    } catch {
      return;
    }
    reload();
  });

  if (!shown && loaded.errorStatus === 404) return <NotFound id={id} />;
  if (!shown) {
    return (
      <>
        <h1 tabIndex={-1}>Deployment {id}</h1>
        {loaded.error ? (
          <p role="alert" class="error">
            {loaded.error}
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </>
    );
  }

  const d = shown.deployment;
  const rollback = d.rollbackInfo;
  return (
    <>
      <p class="crumbs">
        <a href={href('/deployments')}>Deployments</a> ›{' '}
        <a href={href('/deployments', { app: d.applicationName, group: d.deploymentGroupName })}>
          {d.applicationName} / {d.deploymentGroupName}
        </a>
      </p>
      <div class="page-head">
        <h1 tabIndex={-1}>
          Deployment {d.deploymentId} <Status value={d.status} />
        </h1>
        <LiveIndicator state={live} />
      </div>
      <section class="panel facts" aria-label="Deployment details">
        <dl>
          <dt>Application · group</dt>
          <dd>
            {d.applicationName} · {d.deploymentGroupName}
          </dd>
          <dt>Config</dt>
          <dd>
            {d.deploymentConfigName}
            {d.deploymentStyle && <span class="muted"> ({d.deploymentStyle.deploymentType === 'BLUE_GREEN' ? 'blue/green' : 'in place'})</span>}
          </dd>
          <dt>Revision</dt>
          <dd>
            <code>{d.revision.digest}</code>
            {d.revision.repository && (
              <span class="muted">
                {' '}
                {d.revision.repository}@{d.revision.commitId?.slice(0, 10)}
              </span>
            )}
          </dd>
          <dt>Creator</dt>
          <dd>{d.creator}</dd>
          <dt>Created</dt>
          <dd>{formatTime(d.createTime)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(d.startTime)}</dd>
          <dt>Ended</dt>
          <dd data-complete-time={d.completeTime ?? ''}>
            {formatTime(d.completeTime)}
            {d.startTime && d.completeTime && <span class="muted"> after {formatDuration(between(d.startTime, d.completeTime) ?? NaN)}</span>}
          </dd>
          {d.description && (
            <>
              <dt>Description</dt>
              <dd>{d.description}</dd>
            </>
          )}
          {d.errorInformation && (
            <>
              <dt>Error</dt>
              <dd class="error" data-error-code={d.errorInformation.code}>
                {d.errorInformation.code}: {d.errorInformation.message}
              </dd>
            </>
          )}
          {rollback?.rollbackDeploymentId && rollback.rollbackDeploymentId !== d.deploymentId && (
            <>
              <dt>Rolled back by</dt>
              <dd>
                <a href={href(`/deployments/${rollback.rollbackDeploymentId}`)}>{rollback.rollbackDeploymentId}</a>
              </dd>
            </>
          )}
          {rollback?.rollbackTriggeringDeploymentId && rollback.rollbackTriggeringDeploymentId !== d.deploymentId && (
            <>
              <dt>Rolls back</dt>
              <dd>
                <a href={href(`/deployments/${rollback.rollbackTriggeringDeploymentId}`)}>{rollback.rollbackTriggeringDeploymentId}</a>
              </dd>
            </>
          )}
        </dl>
        <DeploymentActions deployment={d} onDone={loaded.reload} />
      </section>
      <FleetCounts overview={d.deploymentOverview} />
      {d.blueGreen && <TrafficChart blueGreen={d.blueGreen} now={d.completeTime ? Date.parse(d.completeTime) : now} />}
      <section class="panel" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <p class="muted hint">One row per instance, one box per lifecycle event. Hover or focus a box for its times and diagnostics; press it for its script log. Arrow keys move between boxes.</p>
        <Timeline targets={shown.targets} selected={selection} onSelect={setSelection} now={now} />
      </section>
      {selection && <LogPanel deploymentId={d.deploymentId} selection={selection} onClose={() => setSelection(undefined)} />}
    </>
  );
}
