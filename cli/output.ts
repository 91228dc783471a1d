/** Printing: JSON for scripts (`--output json`), aligned tables and a little color for people. */
import { useColor } from './settings.js';

export type OutputFormat = 'text' | 'json';

export interface Printer {
  format: OutputFormat;
  line(text?: string): void;
  json(value: unknown): void;
  error(text: string): void;
}

export function createPrinter(format: OutputFormat): Printer {
  return {
    format,
    line: (text = '') => process.stdout.write(`${text}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
  };
}

const color = (code: number) => (text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = color(1);
export const dim = color(2);
export const red = color(31);
export const green = color(32);
export const yellow = color(33);
export const cyan = color(36);

/** Status words colored by meaning. */
export function paintStatus(status: string): string {
  if (status === 'Succeeded') return green(status);
  if (status === 'Failed' || status === 'Stopped' || status === 'Unknown') return red(status);
  if (status === 'InProgress' || status === 'Baking' || status === 'Ready') return cyan(status);
  if (status === 'Skipped') return dim(status);
  return status;
}

const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Columns padded to the widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [render(header.map((h) => bold(h))), ...rows.map(render)];
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
