/**
 * fast-check arbitraries for fuzzing the REST API from its own schemas: a zod schema is turned
 * into JSON Schema (as GET /v1/openapi.json does) and walked to build
 *   valid    — values of the schema's shape, strings often one of the test's real names
 *   hostile  — those values with one field given junk (wrong types, huge or odd strings, numbers
 *              at the edges, nested junk, prototype-pollution keys), or random JSON
 *   query    — a query string from an object schema's properties, odd keys and encodings mixed in
 */
import fc from 'fast-check';
import * as z from 'zod';

type Json = Record<string, any>;

export function jsonSchemaOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
}

/** Strings a handler will find (existing application, group, revision, deployment, instance). */
export interface KnownValues {
  strings: string[];
}

const EDGE_NUMBERS = [0, -0, -1, 1, 0.5, -0.5, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 1e21];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];

/** An object whose own enumerable keys include `key` (a literal `__proto__` would set the prototype instead). */
function withOwnKey(base: unknown, key: string, value: unknown): Json {
  const target: Json = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Json) } : {};
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** Any value a client could send in a field's place. */
export function junk(known: KnownValues): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', ' ', '\u0000', '../../etc/passwd', '%00', '\ud800', 'e\u0301', '😀'.repeat(50), '<script>alert(1)</script>', 'null', 'true', '1e309', "'; DROP TABLE x;--", ...known.strings),
    fc.constantFrom(1_000, 20_000, 300_000).map((n) => 'x'.repeat(n)),
    fc.constantFrom(...EDGE_NUMBERS),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom([], {}, [[]], [{}], { '': '' }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => withOwnKey({ polluted: 'yes' }, k, v)),
    fc.tuple(fc.integer({ min: 50, max: 2000 }), fc.boolean()).map(([d, asArray]) => nested(d, 'deep', asArray)),
  );
}

function clamp(n: number | undefined, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function regexOf(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch {
    return new RegExp(source);
  }
}

function matching(pattern: RegExp): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(pattern);
  } catch {
    return fc.string({ maxLength: 20 });
  }
}

function stringArb(s: Json, known: KnownValues): fc.Arbitrary<string> {
  const min = clamp(s.minLength, 0);
  const max = Math.min(clamp(s.maxLength, 40), min + 40);
  const pattern = s.pattern ? regexOf(s.pattern) : undefined;
  const fits = (v: string) => v.length >= min && v.length <= clamp(s.maxLength, Infinity) && (!pattern || pattern.test(v));
  const names = known.strings.filter(fits);
  let generated: fc.Arbitrary<string>;
  if (s.format === 'date-time') generated = fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  else if (s.format === 'uri' || s.format === 'url') generated = fc.webUrl();
  else if (s.format === 'email') generated = fc.emailAddress();
  else if (pattern) generated = matching(pattern).filter((v) => v.length >= min && v.length <= clamp(s.maxLength, Infinity));
  else generated = fc.string({ minLength: min, maxLength: max });
  return names.length > 0 ? fc.oneof(generated, fc.constantFrom(...names)) : generated;
}

/** Values of the schema's shape (mostly valid: formats and refinements are approximated). */
export function valid(s: Json, known: KnownValues, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const choices = s.anyOf ?? s.oneOf;
  if (Array.isArray(choices) && choices.length > 0) return fc.oneof(...choices.map((c: Json) => valid(c, known, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return valid(Object.assign({}, ...s.allOf), known, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Json>)) props[name] = valid(sub, known, depth + 1);
      const requiredKeys = ((s.required ?? []) as string[]).filter((k) => k in props);
      if (Object.keys(props).length === 0) {
        return s.additionalProperties && typeof s.additionalProperties === 'object'
          ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(s.additionalProperties, known, depth + 1), { maxKeys: 3 })
          : fc.constant({});
      }
      return fc.record(props, { requiredKeys });
    }
    case 'array': {
      const items = s.items && typeof s.items === 'object' ? valid(s.items, known, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      const min = clamp(s.minItems, 0);
      return fc.array(items, { minLength: min, maxLength: Math.min(clamp(s.maxItems, 4), min + 4) });
    }
    case 'string':
      return stringArb(s, known);
    case 'integer': {
      const min = Math.max(clamp(s.minimum, -1e6), clamp(s.exclusiveMinimum, -Infinity) + 1, -(2 ** 31));
      const max = Math.min(clamp(s.maximum, 1e6), clamp(s.exclusiveMaximum, Infinity) - 1, 2 ** 31 - 1);
      return min <= max ? fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max })) : fc.constant(min);
    }
    case 'number': {
      const min = clamp(s.minimum, -1e6);
      const max = clamp(s.maximum, 1e6);
      return fc.oneof(fc.constantFrom(min, max), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The schema's top-level field names (objects only), to aim junk at. */
function fieldNames(s: Json): string[] {
  const own = Object.keys((s.properties ?? {}) as Json);
  const alternatives = ((s.anyOf ?? s.oneOf ?? s.allOf ?? []) as Json[]).flatMap(fieldNames);
  return [...new Set([...own, ...alternatives])];
}

/** A request body: valid-looking, one field wrong, pollution keys, or random JSON. */
export function hostile(s: Json, known: KnownValues): fc.Arbitrary<unknown> {
  const base = valid(s, known);
  const names = fieldNames(s);
  const field = names.length > 0 ? fc.constantFrom(...names) : fc.string({ maxLength: 10 });
  return fc.oneof(
    { arbitrary: base, weight: 3 },
    { arbitrary: fc.tuple(base, field, junk(known)).map(([v, k, j]) => withOwnKey(v, k, j)), weight: 5 },
    { arbitrary: fc.tuple(base, fc.string({ maxLength: 12 }), junk(known)).map(([v, k, j]) => withOwnKey(v, k, j)), weight: 1 },
    { arbitrary: fc.tuple(base, fc.constantFrom(...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([v, k, j]) => withOwnKey(v, k, j)), weight: 2 },
    { arbitrary: junk(known), weight: 2 },
  );
}

/** What goes on the wire: JSON mostly, sometimes broken JSON, another content type, or nothing. */
export interface WireBody {
  text?: string;
  contentType?: string;
}

export function wireBody(s: Json, known: KnownValues): fc.Arbitrary<WireBody> {
  const json = hostile(s, known).map((v) => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json' }));
  return fc.oneof(
    { arbitrary: json, weight: 20 },
    { arbitrary: json.map((b) => ({ text: b.text?.slice(0, Math.max(1, Math.floor((b.text?.length ?? 2) / 2))), contentType: 'application/json' })), weight: 1 },
    { arbitrary: json.map((b) => ({ text: b.text, contentType: 'text/plain' })), weight: 1 },
    { arbitrary: fc.constantFrom<WireBody>({}, { text: '', contentType: 'application/json' }, { text: '{"a":1}', contentType: 'application/json; charset=utf-16' }), weight: 1 },
  );
}

/** encodeURIComponent for any string: lone surrogates (which it refuses) become U+FFFD first. */
export function encodeAny(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

function queryText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

/** A query string (without `?`) for an object schema: its parameters, repeated, junk, odd encodings. */
export function queryString(s: Json, known: KnownValues): fc.Arbitrary<string> {
  const props = Object.entries((s.properties ?? {}) as Record<string, Json>);
  const names = props.map(([n]) => n);
  const param = fc.oneof(
    ...(props.length > 0
      ? [
          { arbitrary: fc.oneof(...props.map(([n, sub]) => valid(sub, known).map((v) => [n, queryText(v)] as const))), weight: 4 },
          { arbitrary: fc.tuple(fc.constantFrom(...names), junk(known).map(queryText)).map(([n, v]) => [n, v.slice(0, 4000)] as const), weight: 4 },
        ]
      : []),
    { arbitrary: fc.tuple(fc.constantFrom(...PROTO_KEYS, 'a[b]', 'a[]', 'x.y'), fc.string({ maxLength: 8 })).map(([n, v]) => [n, v] as const), weight: 1 },
    { arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })).map(([n, v]) => [n, v] as const), weight: 1 },
  );
  const encoded = fc.array(param, { maxLength: 5 }).map((pairs) => pairs.map(([n, v]) => `${encodeAny(n)}=${encodeAny(v)}`));
  return fc.oneof(
    { arbitrary: encoded.map((parts) => parts.join('&')), weight: 10 },
    { arbitrary: fc.tuple(encoded, fc.constantFrom('%', '%E0%A4%A', '%zz', '&&&', '=', '%00', '+%2B+', 'a=%C0%AF')).map(([parts, raw]) => [...parts, raw].join('&')), weight: 1 },
  );
}
