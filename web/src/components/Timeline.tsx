/**
 * A deployment's timeline: one lane per instance, one segment per lifecycle event in the order the
 * instance walks them, each coloured by its status and labelled with it in words. Hovering or
 * focusing a segment shows its times and diagnostics; clicking it (or Enter) opens its script log.
 * Arrow keys move between segments (left/right in a lane, up/down between lanes).
 */
import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { LifecycleEvent, Target } from '../types';
import { between, formatDuration, formatTime } from '../format';
import { Status, statusClass, statusSymbol } from './Status';

export interface Selection {
  instanceId: string;
  event?: string;
}

export interface TimelineProps {
  targets: Target[];
  selected?: Selection;
  onSelect: (selection: Selection) => void;
  now: number;
}

/** `BeforeAllowTraffic` → Before·Allow·Traffic with line-break opportunities between the words. */
function Breakable({ name }: { name: string }) {
  const words = name.split(/(?=[A-Z])/);
  return (
    <>
      {words.map((w, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {w}
        </Fragment>
      ))}
    </>
  );
}

function eventDuration(e: LifecycleEvent, now: number): string | undefined {
  if (e.startTime && e.endTime) return formatDuration(between(e.startTime, e.endTime) ?? NaN);
  if (e.startTime && e.status === 'InProgress') return `${formatDuration(now - Date.parse(e.startTime))} so far`;
  return undefined;
}

function Tip({ id, event, right, now }: { id: string; event: LifecycleEvent; right: boolean; now: number }) {
  const d = event.diagnostics;
  const tail = d?.logTail ? d.logTail.trimEnd().split('\n').slice(-8).join('\n') : '';
  return (
    <div role="tooltip" id={id} class={`tip${right ? ' tip-right' : ''}`}>
      <strong>{event.lifecycleEventName}</strong>: {event.status}
      <dl>
        <dt>Started</dt>
        <dd>{formatTime(event.startTime)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(event.endTime)}</dd>
        <dt>Duration</dt>
        <dd>{eventDuration(event, now) ?? '—'}</dd>
        {d && (
          <>
            <dt>Error code</dt>
            <dd>{d.errorCode}</dd>
            {d.scriptName && (
              <>
                <dt>Script</dt>
                <dd>{d.scriptName}</dd>
              </>
            )}
            <dt>Message</dt>
            <dd>{d.message || '—'}</dd>
          </>
        )}
      </dl>
      {tail && <pre class="tip-tail">{tail}</pre>}
      <p class="hint">Click or press Enter for the script log.</p>
    </div>
  );
}

function moveFocus(root: HTMLElement | null, lane: number, seg: number, key: string): boolean {
  if (!root) return false;
  const lanes = [...root.querySelectorAll<HTMLElement>('[data-lane]')];
  const buttonsOf = (i: number) => [...(lanes[i]?.querySelectorAll<HTMLButtonElement>('button[data-seg]') ?? [])];
  let l = lane;
  let s = seg;
  if (key === 'ArrowRight') s += 1;
  else if (key === 'ArrowLeft') s -= 1;
  else if (key === 'ArrowDown') l += 1;
  else if (key === 'ArrowUp') l -= 1;
  else if (key === 'Home') s = 0;
  else if (key === 'End') s = buttonsOf(l).length - 1;
  else return false;
  if (l < 0 || l >= lanes.length) return true;
  const buttons = buttonsOf(l);
  const target = buttons[Math.max(0, Math.min(s, buttons.length - 1))];
  target?.focus();
  return true;
}

/** The span every lane's time bar is drawn on: the first start to the last end (or now). */
function timeScale(targets: Target[], now: number): { start: number; span: number } | undefined {
  const events = targets.flatMap((t) => t.lifecycleEvents);
  const starts = events.map((e) => (e.startTime ? Date.parse(e.startTime) : NaN)).filter(Number.isFinite);
  if (starts.length === 0) return undefined;
  const ends = events.map((e) => (e.endTime ? Date.parse(e.endTime) : e.status === 'InProgress' ? now : NaN)).filter(Number.isFinite);
  const start = Math.min(...starts);
  return { start, span: Math.max(1, Math.max(start, ...ends) - start) };
}

/**
 * Each event's time on the deployment's clock, as bars on one shared scale: which host ran when,
 * and for how long. A picture of what the segments above it say in words (so hidden from screen readers).
 */
function TimeBar({ target, scale, now }: { target: Target; scale: { start: number; span: number }; now: number }) {
  return (
    <div class="timebar" aria-hidden="true">
      {target.lifecycleEvents
        .filter((e) => e.startTime)
        .map((e) => {
          const from = Date.parse(e.startTime as string);
          const to = e.endTime ? Date.parse(e.endTime) : e.status === 'InProgress' ? now : from;
          const left = ((from - scale.start) / scale.span) * 100;
          const width = Math.max(0.4, ((to - from) / scale.span) * 100);
          return (
            <span
              key={e.lifecycleEventName}
              class={`timebar-event ${statusClass(e.status)}`}
              style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
              title={`${e.lifecycleEventName}: ${e.status}`}
            />
          );
        })}
    </div>
  );
}

export function Timeline({ targets, selected, onSelect, now }: TimelineProps) {
  const [tip, setTip] = useState<string | undefined>();
  const root = useRef<HTMLOListElement>(null);
  const lanes = [...targets].sort((a, b) => (a.instanceLabel ?? '').localeCompare(b.instanceLabel ?? '') || a.targetId.localeCompare(b.targetId));
  const scale = timeScale(targets, now);

  if (lanes.length === 0) return <p class="empty">No instances yet: the deployment has not chosen its targets.</p>;

  return (
    <ol class="lanes" ref={root} aria-label="Instances">
      {lanes.map((t, laneIndex) => {
        const first = t.lifecycleEvents.find((e) => e.startTime)?.startTime;
        const last = [...t.lifecycleEvents].reverse().find((e) => e.endTime)?.endTime;
        const span = between(first, last);
        return (
          <li class="lane" key={t.targetId} data-lane={laneIndex} data-instance={t.targetId}>
            <div class="lane-head">
              <strong class="lane-name">{t.targetId}</strong>
              {t.instanceLabel && (
                <span class={`pool pool-${t.instanceLabel.toLowerCase()}`}>{t.instanceLabel === 'Green' ? 'Green · replacement' : 'Blue · original'}</span>
              )}
              <Status value={t.status} />
              {span !== undefined && <span class="muted">{formatDuration(span)}</span>}
              <button
                type="button"
                class="link"
                aria-controls="log-panel"
                onClick={() => onSelect({ instanceId: t.targetId })}
              >
                Whole log<span class="visually-hidden"> of {t.targetId}</span>
              </button>
            </div>
            <ol class="segments" aria-label={`Lifecycle events on ${t.targetId}`}>
              {t.lifecycleEvents.map((e, i) => {
                const key = `${t.targetId}/${e.lifecycleEventName}`;
                const tipId = `tip-${laneIndex}-${i}`;
                const isSelected = selected?.instanceId === t.targetId && selected.event === e.lifecycleEventName;
                const duration = eventDuration(e, now);
                return (
                  <li class="segment-cell" key={e.lifecycleEventName}>
                    <button
                      type="button"
                      class={`segment ${statusClass(e.status)}${isSelected ? ' selected' : ''}`}
                      data-seg={i}
                      data-event={e.lifecycleEventName}
                      data-status={e.status}
                      aria-describedby={tip === key ? tipId : undefined}
                      aria-controls="log-panel"
                      aria-expanded={isSelected}
                      onMouseEnter={() => setTip(key)}
                      onMouseLeave={() => setTip((k) => (k === key ? undefined : k))}
                      onFocus={() => setTip(key)}
                      onBlur={() => setTip((k) => (k === key ? undefined : k))}
                      onKeyDown={(ev) => {
                        if (ev.key === 'Escape') setTip(undefined);
                        else if (moveFocus(root.current, laneIndex, i, ev.key)) ev.preventDefault();
                      }}
                      onClick={() => onSelect({ instanceId: t.targetId, event: e.lifecycleEventName })}
                    >
                      <span class="seg-name">
                        <Breakable name={e.lifecycleEventName} />
                      </span>
                      <span class="seg-status">
                        <span aria-hidden="true">{statusSymbol(e.status)}</span> {e.status}
                      </span>
                      {duration && <span class="seg-time">{duration}</span>}
                    </button>
                    {tip === key && <Tip id={tipId} event={e} right={i >= t.lifecycleEvents.length / 2} now={now} />}
                  </li>
                );
              })}
            </ol>
            {scale && <TimeBar target={t} scale={scale} now={now} />}
          </li>
        );
      })}
    </ol>
  );
}
