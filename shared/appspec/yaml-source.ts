/**
 * Turns appspec text into plain data plus, for every field path, its line and (for scalars)
 * its source text. The source text matters for `mode`: YAML reads `0644` as the number 644 and
 * `0o644` as 420, and only the written digits say what the user meant.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { childPath, itemPath } from './problem-paths.js';
import { MAX_APPSPEC_BYTES, MAX_YAML_ALIAS_COUNT, type AppSpecProblem } from './types.js';

export interface YamlSource {
  value: unknown;
  lines: Record<string, number>;
  /** Field path → the scalar as written (without quotes). */
  scalarSources: Record<string, string>;
}

export type LoadYamlResult = ({ ok: true } & YamlSource) | { ok: false; problems: AppSpecProblem[] };

export function loadYaml(text: string): LoadYamlResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_APPSPEC_BYTES) {
    return fail({ path: '', message: `the appspec is ${bytes} bytes; at most ${MAX_APPSPEC_BYTES} bytes are accepted` });
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: we report the line ourselves instead of a multi-line excerpt in the message.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return fail(
      ...doc.errors.map((e) => ({
        path: '',
        line: lineCounter.linePos(e.pos[0]).line,
        message: `invalid YAML: ${e.message}`,
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const message = /alias/i.test(why)
      ? `the YAML aliases expand too much (more than ${MAX_YAML_ALIAS_COUNT} alias expansions); this looks like an alias bomb`
      : `invalid YAML: ${why}`;
    return fail({ path: '', message });
  }
  const lines: Record<string, number> = {};
  const scalarSources: Record<string, string> = {};
  const lineAt = (node: Node): number | undefined =>
    node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const record = (path: string, line: number | undefined): void => {
    if (line !== undefined && lines[path] === undefined) lines[path] = line;
  };

  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        const name = isScalar(key) ? String(key.value) : String(key);
        const p = childPath(path, name);
        // A key's own line is the useful one: block values start on the next line.
        if (isScalar(key)) record(p, lineAt(key));
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const p = itemPath(path, i);
        if (isScalar(item) || isMap(item) || isSeq(item)) record(p, lineAt(item));
        walk(item, p);
      });
    } else if (isScalar(node)) {
      if (node.source !== undefined) scalarSources[path] = node.source;
    }
    // Aliases are not followed: their fields fall back to the alias's own line.
  };
  if (doc.contents && (isMap(doc.contents) || isSeq(doc.contents) || isScalar(doc.contents))) {
    record('', lineAt(doc.contents));
    walk(doc.contents, '');
  }
  return { ok: true, value, lines, scalarSources };
}

function fail(...problems: AppSpecProblem[]): LoadYamlResult {
  return { ok: false, problems };
}
