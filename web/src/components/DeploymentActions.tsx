/**
 * Stop, continue and roll back, each behind a confirmation. Which buttons show follows the
 * deployment's status: stop while it runs, continue while it waits (Ready, or a blue/green
 * termination wait), roll back once it has ended. A viewer is offered none of them, and told why;
 * the API decides in the end (a grant may give less than the token's role: 403), and its refusal
 * is shown.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { useIdentity, writesOffered } from '../identity';
import { navigate } from '../router';
import { TERMINAL_STATUSES, type Deployment } from '../types';
import { ConfirmDialog } from './ConfirmDialog';

type Action = 'stop' | 'continue' | 'rollback';

function waitType(d: Deployment): 'READY_WAIT' | 'TERMINATION_WAIT' | undefined {
  if (d.blueGreen?.phase === 'TerminationWait') return 'TERMINATION_WAIT';
  if (d.status === 'Ready' || d.blueGreen?.phase === 'Ready') return 'READY_WAIT';
  return undefined;
}

export function DeploymentActions({ deployment, onDone }: { deployment: Deployment; onDone: () => void }) {
  const [open, setOpen] = useState<Action | undefined>();
  const [busy, setBusy] = useState(false);
  const [rollbackOnStop, setRollbackOnStop] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const who = useIdentity();
  const offered = writesOffered(who);
  const id = deployment.deploymentId;
  const terminal = TERMINAL_STATUSES.includes(deployment.status);
  const wait = waitType(deployment);
  // What an action answered is news until the deployment moves on; then the page says it.
  useEffect(() => setMessage(undefined), [deployment.status]);

  const run = async (action: Action) => {
    setBusy(true);
    try {
      if (action === 'stop') {
        const answer = await api.post<{ status: string; statusMessage?: string }>(`/v1/deployments/${id}/stop`, rollbackOnStop ? { autoRollbackEnabled: true } : {});
        setMessage({ text: `Stop requested: ${answer.statusMessage ?? answer.status}`, error: false });
      } else if (action === 'continue') {
        await api.post(`/v1/deployments/${id}/continue`, wait ? { deploymentWaitType: wait } : {});
        setMessage({ text: 'Continue requested.', error: false });
      } else {
        const answer = await api.post<{ deploymentId: string }>(`/v1/deployments/${id}/rollback`, {});
        setMessage({ text: `Rollback ${answer.deploymentId} started.`, error: false });
        navigate(`/deployments/${answer.deploymentId}`);
      }
      onDone();
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    } finally {
      setBusy(false);
      setOpen(undefined);
    }
  };

  return (
    <div class="actions">
      {who.state === 'known' && !offered && (
        <p class="read-only muted" data-read-only>
          Read-only: this token is a {who.identity.role}.
        </p>
      )}
      {offered && !terminal && (
        <button type="button" class="danger" onClick={() => setOpen('stop')}>
          Stop deployment
        </button>
      )}
      {offered && !terminal && wait && (
        <button type="button" class="primary" onClick={() => setOpen('continue')}>
          Continue deployment
        </button>
      )}
      {offered && terminal && (
        <button type="button" onClick={() => setOpen('rollback')}>
          Roll back
        </button>
      )}
      <p role="status" aria-live="polite" class={message?.error ? 'error' : 'muted'}>
        {message?.text ?? ''}
      </p>
      {open === 'stop' && (
        <ConfirmDialog title={`Stop ${id}?`} confirmLabel="Stop deployment" danger busy={busy} onConfirm={() => run('stop')} onCancel={() => setOpen(undefined)}>
          <p>Hosts that have not started are skipped and the hooks running now are killed. The deployment ends Stopped.</p>
          <label class="check">
            <input type="checkbox" checked={rollbackOnStop} onChange={(e) => setRollbackOnStop((e.target as HTMLInputElement).checked)} /> Roll back to the
            last good revision afterwards
          </label>
        </ConfirmDialog>
      )}
      {open === 'continue' && (
        <ConfirmDialog title={`Continue ${id}?`} confirmLabel="Continue" busy={busy} onConfirm={() => run('continue')} onCancel={() => setOpen(undefined)}>
          <p>{wait === 'TERMINATION_WAIT' ? 'The original instances are terminated now instead of after the wait.' : 'Traffic starts moving to the replacement instances now.'}</p>
        </ConfirmDialog>
      )}
      {open === 'rollback' && (
        <ConfirmDialog title={`Roll back ${id}?`} confirmLabel="Roll back" danger busy={busy} onConfirm={() => run('rollback')} onCancel={() => setOpen(undefined)}>
          <p>
            A new deployment puts the group's last successful revision before this one back on {deployment.applicationName} / {deployment.deploymentGroupName}.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
