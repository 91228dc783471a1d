/**
 * The `mode` of a permissions entry: one to four octal digits (CodeDeploy left-pads to three;
 * a fourth digit carries setuid/setgid/sticky). No symbolic modes.
 *
 * YAML turns an unquoted `644` or `0644` into a number. We read the digits as written, so both
 * mean 0o644, where CodeDeploy's Ruby parser would have read `0644` as octal and installed 0o420.
 */
export type ModeResult = { ok: true; mode: number } | { ok: false; message: string };

export function parseMode(value: unknown, writtenAs?: string): ModeResult {
  let text: string;
  if (typeof value === 'number') text = writtenAs ?? String(value);
  else if (typeof value === 'string') text = value;
  else return { ok: false, message: 'mode must be octal digits such as 644 or "0755"' };
  text = text.trim();
  // YAML 1.2 spelling of an octal number.
  if (/^0o[0-7]+$/i.test(text)) text = text.slice(2);
  if (!/^[0-9]+$/.test(text)) {
    return { ok: false, message: `mode "${text}" is not octal digits; write it like 644 or "0755" (symbolic modes are not supported)` };
  }
  if (text.length > 4) {
    return { ok: false, message: `mode "${text}" has ${text.length} digits; a mode has one to four octal digits` };
  }
  const bad = /[89]/.exec(text);
  if (bad) {
    return { ok: false, message: `mode "${text}" contains the digit ${bad[0]}; octal digits are 0 to 7` };
  }
  return { ok: true, mode: parseInt(text, 8) };
}
