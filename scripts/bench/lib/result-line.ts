/**
 * The one machine-readable line each measured case ends with:
 *   RESULT fleet hosts=1000 config=AllAtOnce seconds=2.41 baseline_seconds=0.92 ratio=2.62 …
 * Fields keep their order; numbers are printed plainly (at most 3 decimals, no exponent);
 * a missing or non-finite number is `NA`, so every line has the same fields.
 */

export type FieldValue = string | number | boolean | undefined;

const KEY = /^[a-z][a-z0-9_]*$/;
const VALUE = /^[A-Za-z0-9._:+\-/%]+$/;

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return 'NA';
  if (Number.isInteger(n)) return String(n);
  const fixed = Math.abs(n) >= 100 ? n.toFixed(1) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
  return fixed.replace(/\.?0+$/, '') || '0';
}

export function formatValue(value: FieldValue): string {
  if (value === undefined) return 'NA';
  if (typeof value === 'number') return formatNumber(value);
  const text = String(value);
  if (!VALUE.test(text)) throw new Error(`RESULT value "${text}" has characters a line parser would trip on`);
  return text;
}

export function resultLine(kind: string, fields: Record<string, FieldValue>): string {
  if (!KEY.test(kind)) throw new Error(`RESULT kind "${kind}" must be lower-case letters, digits and _`);
  const parts = Object.entries(fields).map(([key, value]) => {
    if (!KEY.test(key)) throw new Error(`RESULT field "${key}" must be lower-case letters, digits and _`);
    return `${key}=${formatValue(value)}`;
  });
  return `RESULT ${kind} ${parts.join(' ')}`;
}

/** The inverse, for tools and tests: `RESULT kind a=1 b=x` → { kind, fields }. */
export function parseResultLine(line: string): { kind: string; fields: Record<string, string> } | undefined {
  const match = /^RESULT ([a-z][a-z0-9_]*)((?: [a-z][a-z0-9_]*=\S+)*)\s*$/.exec(line.trim());
  if (!match) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of match[2].trim().split(' ').filter(Boolean)) {
    const at = pair.indexOf('=');
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { kind: match[1], fields };
}
