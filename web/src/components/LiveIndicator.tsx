import type { StreamState } from '../sse';

const TEXT: Record<StreamState, string> = { open: 'Live', connecting: 'Connecting…', closed: 'Not live' };

/** Whether the page is following the event stream; announced politely when it changes. */
export function LiveIndicator({ state }: { state: StreamState }) {
  return (
    <span class={`live live-${state}`} role="status" aria-live="polite" data-live={state}>
      <span aria-hidden="true">{state === 'open' ? '●' : '○'}</span> {TEXT[state]}
    </span>
  );
}
