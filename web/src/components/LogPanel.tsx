/**
 * An instance's script log (one lifecycle event's, or all of them), from the log stream
 * GET /v1/deployments/:id/logs?instance=&event=: what is stored first, then live output while the
 * hooks run, until the deployment ends (`event: end`).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { query } from '../api';
import { useStream } from '../hooks';
import type { Selection } from './Timeline';

interface LogLine {
  instanceId: string;
  lifecycleEventName: string;
  text: string;
}

export function LogPanel({ deploymentId, selection, onClose }: { deploymentId: string; selection: Selection; onClose: () => void }) {
  const [chunks, setChunks] = useState<LogLine[]>([]);
  const [ended, setEnded] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = `/v1/deployments/${encodeURIComponent(deploymentId)}/logs${query({ instance: selection.instanceId, event: selection.event })}`;

  useEffect(() => {
    setChunks([]);
    setEnded(false);
    heading.current?.focus();
  }, [path]);

  const state = useStream(path, (m) => {
    if (m.event === 'end') {
      setEnded(true);
      return false;
    }
    if (m.event !== 'log') return;
    try {
      const line = JSON.parse(m.data) as LogLine;
      setChunks((c) => [...c, line]);
    } catch {
      // not a log line
    }
  });

  // With every event of the instance, say where each event's output begins.
  let lastEvent = '';
  const text = chunks
    .map((c) => {
      const header = !selection.event && c.lifecycleEventName !== lastEvent ? `── ${c.lifecycleEventName} ──\n` : '';
      lastEvent = c.lifecycleEventName;
      return header + c.text;
    })
    .join('');

  return (
    <section id="log-panel" class="panel log-panel" aria-labelledby="log-h">
      <div class="panel-head">
        <h2 id="log-h" tabIndex={-1} ref={heading}>
          Script log: {selection.instanceId}
          {selection.event ? ` · ${selection.event}` : ' · every event'}
        </h2>
        <span class="muted" role="status" data-log-state={ended ? 'ended' : state}>
          {ended ? 'Complete' : state === 'open' ? 'Following live output' : 'Connecting…'}
        </span>
        <button type="button" onClick={onClose}>
          Close log
        </button>
      </div>
      <pre class="log" tabIndex={0} aria-label="Log output">
        {text || (ended ? '(no output)' : '(no output yet)')}
      </pre>
    </section>
  );
}
