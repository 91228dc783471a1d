/**
 * Turns appspec text into plain data plus, for every field path, its line and (for scalars)
 * its source text. The source text matters for `mode`: YAML reads `0644` as the number 644 and
 * `0o644` as 420, and only the written digits say what the user meant.
 */
import { Lexer, LineCounter, YAMLParseError, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { childPath, itemPath } from './problem-paths.js';
import { MAX_APPSPEC_BYTES, MAX_YAML_ALIAS_COUNT, MAX_YAML_DEPTH, MAX_YAML_NODES, type AppSpecProblem } from './types.js';

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
  const shape = measureTokens(text);
  if (shape.nodes > MAX_YAML_NODES) {
    return fail({ path: '', message: `the appspec has more than ${MAX_YAML_NODES} YAML values; a real appspec has a few hundred` });
  }
  if (shape.flowDepth > MAX_YAML_DEPTH) return fail(tooDeep());
  const lineCounter = new LineCounter();
  // prettyErrors off: we report the line ourselves instead of a multi-line excerpt in the message.
  // Duplicate keys are found by inspectTree: yaml's own check compares every pair of keys in a map.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  // yaml composes recursively: a document nested deeper than the stack reports a RangeError as a YAML error.
  if (doc.errors.some((e) => /call stack/i.test(e.message))) return fail(tooDeep());
  const tree = inspectTree(doc.contents);
  if (tree.depth > MAX_YAML_DEPTH) return fail(tooDeep());
  if (tree.duplicateKeyAt !== undefined) {
    doc.errors.push(new YAMLParseError([tree.duplicateKeyAt, tree.duplicateKeyAt + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
  }
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

/**
 * One pass of yaml's lexer (linear, not recursive): how many values the document has and how deep
 * its flow collections ([ ], { }) nest, so a hostile document is refused before it is composed.
 */
function measureTokens(text: string): { nodes: number; flowDepth: number } {
  let nodes = 0;
  let depth = 0;
  let flowDepth = 0;
  for (const token of new Lexer().lex(text)) {
    const c = token[0];
    // '\x1f' precedes a plain scalar; quoted scalars, collections, "-" items and block scalar headers start a node too.
    if (c === '\x1f' || c === '"' || c === "'" || c === '-' || c === '?' || c === '|' || c === '>') nodes++;
    else if (token === '[' || token === '{') {
      nodes++;
      flowDepth = Math.max(flowDepth, ++depth);
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    if (nodes > MAX_YAML_NODES || flowDepth > MAX_YAML_DEPTH) break;
  }
  return { nodes, flowDepth };
}

/**
 * Nesting depth of a composed document and the offset of its first repeated map key (a scalar
 * key equal to an earlier one of the same map), without recursion and in linear time.
 */
function inspectTree(root: unknown): { depth: number; duplicateKeyAt?: number } {
  let deepest = 0;
  let duplicateKeyAt: number | undefined;
  const pending: [unknown, number][] = [[root, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (!isMap(node) && !isSeq(node)) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_YAML_DEPTH) return { depth: deepest };
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
          const at = pair.key.range?.[0];
          if (seen.has(id) && at !== undefined && (duplicateKeyAt === undefined || at < duplicateKeyAt)) duplicateKeyAt = at;
          seen.add(id);
        }
        pending.push([pair.key, depth + 1], [pair.value, depth + 1]);
      }
    } else for (const item of node.items) pending.push([item, depth + 1]);
  }
  return { depth: deepest, duplicateKeyAt };
}

function tooDeep(): AppSpecProblem {
  return { path: '', message: `the appspec nests more than ${MAX_YAML_DEPTH} levels deep; a real appspec needs about 5` };
}

function fail(...problems: AppSpecProblem[]): LoadYamlResult {
  return { ok: false, problems };
}
