/**
 * The last `maxBytes` bytes of `text` in UTF-8 (CodeDeploy's logTail is "up to the last 4 KB"),
 * starting on a character boundary so the result is valid text.
 */
export function tailBytes(text: string, maxBytes = 4096): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Skip continuation bytes (10xxxxxx) of a character cut in half.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
