import fc from 'fast-check';

/** A JSON Schema node as the served OpenAPI document has them (draft 2020-12, generated from zod). */
export type Schema = { [k: string]: unknown };

const MAX_DEPTH = 4;

/**
 * A fast-check arbitrary of values valid against a JSON Schema node of the served OpenAPI
 * document, resolving `$ref`s into `components.schemas`. Covers what zod's generator emits:
 * objects (required, additionalProperties), arrays, strings (length, pattern, enum, const,
 * date-time, uri), numbers and integers with bounds, booleans, null, anyOf/oneOf, and `{}`.
 * Strings and collections are kept short so that a run stays fast.
 */
export function arbitraryOf(schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return arbitraryOf(components[schema.$ref.split('/').pop()!]!, components, depth);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) return fc.oneof(...(schema[key] as Schema[]).map((s) => arbitraryOf(s, components, depth)));
  }
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => arbitraryOf({ ...schema, type: t }, components, depth)));
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
      const max = typeof schema.maximum === 'number' ? Math.min(schema.maximum, min + 100_000) : min + 2_000;
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
    }
    case 'string':
      return stringOf(schema);
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const max = Math.max(min, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3));
      const items = schema.items ? arbitraryOf(schema.items as Schema, components, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return depth >= MAX_DEPTH ? fc.constant([]) : fc.array(items, { minLength: min, maxLength: max });
    }
    case 'object':
      return objectOf(schema, components, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.max(min, Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 24, 24));
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (schema.format === 'uri')
    return fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:9/x', 'https://hooks.example.org/a/b?c=1');
  if (typeof schema.pattern === 'string') {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= min && s.length <= ((schema.maxLength as number | undefined) ?? Infinity));
  }
  return fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
}

function objectOf(schema: Schema, components: Record<string, Schema>, depth: number): fc.Arbitrary<unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const keys = Object.keys(props);
  if (keys.length === 0) {
    if (depth >= MAX_DEPTH) return fc.constant({});
    const extra = schema.additionalProperties;
    const value =
      extra && typeof extra === 'object' && Object.keys(extra).length
        ? arbitraryOf(extra as Schema, components, depth + 1)
        : fc.jsonValue({ maxDepth: 2 });
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 3 });
  }
  const shape = Object.fromEntries(keys.map((k) => [k, arbitraryOf(props[k]!, components, depth + 1)]));
  return fc.record(shape, { requiredKeys: keys.filter((k) => required.has(k)) });
}

/** Ways to make a valid body invalid: each result must be refused with a 4xx (never a 5xx). */
export function invalidFrom(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const lone = fc.constantFrom('\ud800', '\udfff', 'a\udc00b');
  return fc.oneof(
    // An unknown field, a dropped field, a field of the wrong type.
    valid.map((v) => JSON.stringify(isObject(v) ? { ...v, zz_unknown_field: 1 } : { zz: v })),
    valid.map((v) => {
      if (!isObject(v) || Object.keys(v).length === 0) return JSON.stringify([v]);
      const [first] = Object.keys(v);
      const { [first!]: _dropped, ...rest } = v;
      return JSON.stringify({ ...rest, [first!]: { wrong: ['type'] } });
    }),
    // Lone surrogates in values and keys (written as JSON escapes, as an attacker's client would).
    fc.tuple(valid, lone).map(([v, s]) => JSON.stringify(isObject(v) ? { ...v, [`k${s}`]: s } : s)),
    fc.tuple(valid, lone).map(([v, s]) => JSON.stringify(deepReplaceStrings(v, s))),
    // Numbers beyond a double, deep nesting, not JSON at all, the wrong JSON type.
    fc.constantFrom(
      '{"a": 1e400}',
      '{"action_type": 1e999}',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    ),
    fc.constantFrom('', '{', 'null', '"text"', '[]', '{"__proto__": {"x": 1}}', '{"a":1,"a":2}'),
    fc.string({ maxLength: 40 }),
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepReplaceStrings(v: unknown, s: string): unknown {
  if (typeof v === 'string') return `${v}${s}`;
  if (Array.isArray(v)) return v.map((x) => deepReplaceStrings(x, s));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepReplaceStrings(x, s)]));
  return v;
}
