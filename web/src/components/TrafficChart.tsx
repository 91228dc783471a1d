/**
 * Blue/green traffic: the replacement pool's share of the traffic over time, as a step chart with
 * a mark per weight shift and a red line per alarm evaluation that fired, plus the same facts as
 * a table. It reads `deployment.blueGreen` (shared/domain/blue-green.ts BlueGreenState: phase,
 * pools, percent, weights, history of ShiftRecord, alarmEvaluations) and draws nothing without it.
 */
import type { BlueGreenInfo } from '../types';
import { formatTime } from '../format';
import { Status } from './Status';

const W = 640;
const H = 220;
const PAD = { left: 44, right: 16, top: 14, bottom: 30 };

/** `now`: where the time axis ends (the deployment's end once it has one). */
export function TrafficChart({ blueGreen, now }: { blueGreen: BlueGreenInfo; now: number }) {
  const history = [...(blueGreen.history ?? [])].sort((a, b) => Date.parse(a.appliedAt) - Date.parse(b.appliedAt));
  const alarms = (blueGreen.alarmEvaluations ?? []).filter((a) => a.state === 'ALARM');
  const times = [...history.map((h) => Date.parse(h.appliedAt)), ...alarms.map((a) => Date.parse(a.at))].filter(Number.isFinite);
  const start = Math.min(...times, blueGreen.shiftStartedAt ? Date.parse(blueGreen.shiftStartedAt) : Infinity);
  const end = Math.max(...times, blueGreen.nextStepDueAt ? Date.parse(blueGreen.nextStepDueAt) : -Infinity, now);
  const hasData = history.length > 0 && Number.isFinite(start);
  const span = Math.max(1, end - start);
  const x = (t: number) => PAD.left + ((t - start) / span) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p / 100) * (H - PAD.top - PAD.bottom);

  let path = '';
  if (hasData) {
    let prev = 0;
    path = `M ${x(start)} ${y(0)}`;
    for (const h of history) {
      const t = Date.parse(h.appliedAt);
      path += ` L ${x(t)} ${y(prev)} L ${x(t)} ${y(h.percent)}`;
      prev = h.percent;
    }
    path += ` L ${x(end)} ${y(prev)}`;
  }
  const percent = blueGreen.percent ?? history.at(-1)?.percent ?? 0;

  return (
    <section aria-labelledby="traffic-h" class="panel traffic">
      <h2 id="traffic-h">Traffic</h2>
      <p data-traffic-percent={percent}>
        Replacement pool <strong>{blueGreen.replacementPool ?? '—'}</strong>: <strong>{percent} %</strong> of the traffic · original pool{' '}
        <strong>{blueGreen.originalPool ?? '—'}</strong>: <strong>{100 - percent} %</strong>
        {blueGreen.weights && (
          <span class="muted">
            {' '}
            (host weights {blueGreen.weights.replacement} / {blueGreen.weights.original})
          </span>
        )}
        {blueGreen.phase && <> · phase {blueGreen.phase}</>}
        {blueGreen.routing?.type && <> · {blueGreen.routing.type}</>}
        {blueGreen.nextStepDueAt && <> · next step at {formatTime(blueGreen.nextStepDueAt)}</>}
      </p>
      {hasData ? (
        <svg viewBox={`0 0 ${W} ${H}`} class="chart" role="img" aria-label={`Replacement pool share over time, now ${percent} percent`}>
          {[0, 25, 50, 75, 100].map((p) => (
            <g key={p}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(p)} y2={y(p)} class="grid" />
              <text x={PAD.left - 6} y={y(p) + 4} class="axis" text-anchor="end">
                {p}%
              </text>
            </g>
          ))}
          <text x={PAD.left} y={H - 8} class="axis">
            {formatTime(new Date(start).toISOString())}
          </text>
          <text x={W - PAD.right} y={H - 8} class="axis" text-anchor="end">
            {formatTime(new Date(end).toISOString())}
          </text>
          {alarms.map((a, i) => (
            <g key={`a${i}`} class="alarm-mark">
              <line x1={x(Date.parse(a.at))} x2={x(Date.parse(a.at))} y1={PAD.top} y2={H - PAD.bottom} />
              <text x={x(Date.parse(a.at)) + 3} y={PAD.top + 10} class="axis">
                alarm {a.alarmName}
              </text>
            </g>
          ))}
          <path d={path} class="weight-line" />
          {history.map((h, i) => (
            <g key={`s${i}`}>
              <circle cx={x(Date.parse(h.appliedAt))} cy={y(h.percent)} r={4} class={`step-mark reason-${h.reason}`} />
              <text x={x(Date.parse(h.appliedAt)) + 5} y={y(h.percent) - 6} class="axis">
                {h.reason === 'step' ? `step ${h.step + 1}` : h.reason}
              </text>
            </g>
          ))}
        </svg>
      ) : (
        <p class="empty">No traffic has moved yet.</p>
      )}
      {(history.length > 0 || (blueGreen.alarmEvaluations ?? []).length > 0) && (
        <details>
          <summary>Shifts and alarm evaluations as a table</summary>
          <table>
            <caption class="visually-hidden">Traffic shifts and alarm evaluations</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">What</th>
                <th scope="col">Replacement share</th>
              </tr>
            </thead>
            <tbody>
              {[
                ...history.map((h) => ({ at: h.appliedAt, what: h.reason === 'step' ? `Step ${h.step + 1}` : `Traffic back (${h.reason})`, share: `${h.percent} %` })),
                ...(blueGreen.alarmEvaluations ?? []).map((a) => ({ at: a.at, what: <><Status value={a.state} /> {a.alarmName}: {a.reason}</>, share: '' })),
              ]
                .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
                .map((r, i) => (
                  <tr key={i}>
                    <td>{formatTime(r.at)}</td>
                    <td>{r.what}</td>
                    <td>{r.share}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}
