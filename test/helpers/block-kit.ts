/**
 * A structural check of a Slack incoming-webhook message against Block Kit's documented limits
 * (what Slack would refuse with invalid_blocks): a non-empty `text` fallback, at most 50 blocks
 * of known types, header plain_text ≤ 150 chars, sections with text (≤ 3000) or 1–10 fields
 * (≤ 2000 each), context elements ≤ 10, action buttons with plain_text labels and URLs.
 * Returns the problems found (none means valid).
 */
export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const m = message as { text?: unknown; blocks?: unknown };
  if (typeof m.text !== 'string' || m.text.trim() === '') problems.push('text: a non-empty fallback is required');
  if (!Array.isArray(m.blocks)) return [...problems, 'blocks: not an array'];
  if (m.blocks.length === 0 || m.blocks.length > 50) problems.push(`blocks: ${m.blocks.length} (1 to 50 allowed)`);
  const textObject = (t: any, where: string, max: number, types = ['plain_text', 'mrkdwn']) => {
    if (!t || !types.includes(t.type) || typeof t.text !== 'string' || t.text.length === 0 || t.text.length > max) problems.push(`${where}: bad text object ${JSON.stringify(t)?.slice(0, 80)}`);
  };
  m.blocks.forEach((b: any, i: number) => {
    const at = `blocks[${i}]`;
    switch (b?.type) {
      case 'header':
        textObject(b.text, `${at}.text`, 150, ['plain_text']);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) problems.push(`${at}: a section needs text or fields`);
        if (b.text !== undefined) textObject(b.text, `${at}.text`, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) problems.push(`${at}.fields: 1 to 10 allowed`);
          else b.fields.forEach((f: unknown, j: number) => textObject(f, `${at}.fields[${j}]`, 2000));
        }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) problems.push(`${at}.elements: 1 to 10 allowed`);
        else b.elements.forEach((e: unknown, j: number) => textObject(e, `${at}.elements[${j}]`, 3000));
        break;
      case 'divider':
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) problems.push(`${at}.elements: 1 to 25 allowed`);
        else
          b.elements.forEach((e: any, j: number) => {
            if (e?.type !== 'button') problems.push(`${at}.elements[${j}]: only buttons expected`);
            textObject(e?.text, `${at}.elements[${j}].text`, 75, ['plain_text']);
            if (typeof e?.url !== 'string' || !/^https?:\/\//.test(e.url)) problems.push(`${at}.elements[${j}].url: an http(s) URL is required`);
          });
        break;
      default:
        problems.push(`${at}: unknown block type ${String(b?.type)}`);
    }
  });
  return problems;
}
