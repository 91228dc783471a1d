/**
 * A status as text with a symbol and a colour: the word is always there, so the colour is never
 * the only sign (WCAG 1.4.1). The same classes colour the timeline's segments.
 */
const SYMBOLS: Record<string, string> = {
  Succeeded: '✓',
  Failed: '✕',
  Stopped: '■',
  InProgress: '▶',
  Pending: '○',
  Queued: '…',
  Created: '·',
  Skipped: '↷',
  Unknown: '?',
  Ready: '⏸',
  Baking: '◔',
  Registered: '●',
  Deregistered: '○',
  OK: '✓',
  ALARM: '!',
  INSUFFICIENT_DATA: '?',
  POLL_FAILED: '?',
};

export function statusClass(status: string): string {
  return `status-${status.toLowerCase().replace(/[^a-z]/g, '')}`;
}

export function statusSymbol(status: string): string {
  return SYMBOLS[status] ?? '·';
}

export function Status({ value, label }: { value: string; label?: string }) {
  return (
    <span class={`status ${statusClass(value)}`} data-status={value}>
      <span aria-hidden="true" class="status-symbol">
        {statusSymbol(value)}
      </span>{' '}
      {label ?? value}
    </span>
  );
}
