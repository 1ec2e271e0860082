import type { Context } from 'hono';
import type { z } from 'zod';
import { GatehouseError, invalid, invalidDetails } from '../core/errors.js';
import { closingQuote, jsonShape } from '../core/json-shape.js';
import { numberProblem } from '../../src-shared/exact-number.js';

export const BODY_LIMIT = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const tooManyValues = (max: number) =>
  new GatehouseError(
    'too_large',
    `Body holds more than ${max.toLocaleString('en-US')} JSON values; send bulk data as one string, or in smaller requests`,
  );
const tooLarge = (limit: number) => new GatehouseError('too_large', `Body is larger than ${limit} bytes`);

/**
 * The raw body bytes within the limit. Under @hono/node-server the Node request is read directly
 * (converting it to a web stream first costs more than the rest of a decision); elsewhere
 * (tests, other runtimes) through the standard Request body.
 */
async function readBytes(c: Context, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const incoming = (c.env as { incoming?: AsyncIterable<Buffer> & { destroy?: () => void } } | undefined)?.incoming;
  if (incoming && !c.req.raw.bodyUsed) {
    for await (const chunk of incoming) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }
  const reader = c.req.raw.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** One decoder for every body: a whole-buffer decode keeps no state between calls. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the raw body as UTF-8 text within the size limit; invalid UTF-8 is a 400. */
export async function readText(c: Context, limit = BODY_LIMIT): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const buf = await readBytes(c, limit);
  try {
    return utf8.decode(buf);
  } catch {
    throw new GatehouseError('invalid_json', 'Body is not valid UTF-8');
  }
}

/**
 * Parses JSON text strictly (SPEC 5 "Bodies": nothing a client sends is silently changed): depth-bounded,
 * no prototype-polluting keys, and a 400 naming the field for what JSON.parse would silently alter —
 * a duplicate key (the last would win), a lone surrogate (`"\uD800"`), a number that overflows a
 * double (→ Infinity) or underflows it (→ 0), an integer beyond ±(2^53 − 1) (rounded).
 */
export function parseJsonText(text: string, opts: { maxValues?: number } = {}): unknown {
  // Read off the raw text, so that a body past either bound is never parsed at all.
  const shape = jsonShape(text, { depth: MAX_JSON_DEPTH, values: opts.maxValues });
  if (shape.depth > MAX_JSON_DEPTH) {
    throw new GatehouseError('invalid_request', `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (opts.maxValues !== undefined && shape.values > opts.maxValues) throw tooManyValues(opts.maxValues);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GatehouseError('invalid_json', `Body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  const problem = strictJsonProblem(text);
  if (problem) {
    const code = problem.forbidden ? 'invalid_request' : 'invalid_json';
    throw new GatehouseError(code, `${problem.path || '(body)'}: ${problem.message}`, [
      { path: problem.path || '(body)', message: problem.message },
    ]);
  }
  return value;
}

interface JsonProblem {
  path: string;
  message: string;
  /** A forbidden key (`__proto__`…): a request problem rather than a JSON one. */
  forbidden?: boolean;
}

/** One open object or array while scanning, for paths and duplicate keys. */
interface Open {
  array: boolean;
  /** Array: index of the current element. Object: its current key. */
  index: number;
  key: string;
  /** Keys seen (objects only; created at the second key). */
  keys: Set<string> | null;
  expectKey: boolean;
}

/** A lone surrogate code unit (an unpaired half of a UTF-16 pair). Linear: each match is one or two units. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Number tokens shorter than this with no exponent cannot overflow, underflow or lose an integer digit. */
const SHORT_NUMBER = 16;

function pathOf(stack: readonly Open[]): string {
  let out = '';
  for (const o of stack) out += o.array ? `[${o.index}]` : out === '' ? o.key : `.${o.key}`;
  return out;
}

/**
 * Scans JSON text that JSON.parse has accepted for what it would silently change, in one pass
 * (strings are skipped with indexOf; only strings with escapes, and numbers that could be out of
 * range, are looked at closely). Returns the first problem, or null.
 */
export function strictJsonProblem(text: string): JsonProblem | null {
  const rawSurrogates = LONE_SURROGATE.test(text);
  const stack: Open[] = [];
  /** The next backslash at or after the current string (a search that only moves forward). */
  let nextBackslash = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = closingQuote(text, i); // the text is valid JSON: always found
      if (nextBackslash < i) {
        const found = text.indexOf('\\', i);
        nextBackslash = found < 0 ? n : found;
      }
      const hasEscape = nextBackslash < end;
      const top = stack[stack.length - 1];
      if (top && !top.array && top.expectKey) {
        const key = hasEscape ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        top.key = key;
        top.expectKey = false;
        if (FORBIDDEN_KEYS.has(key)) return { path: pathOf(stack), message: `field name '${key}' is not allowed`, forbidden: true };
        if ((hasEscape || rawSurrogates) && LONE_SURROGATE.test(key))
          return { path: pathOf(stack), message: 'field name has a lone surrogate (an unpaired \\uD800–\\uDFFF)' };
        if (top.keys === null) top.keys = new Set([key]);
        else if (top.keys.has(key)) return { path: pathOf(stack), message: `duplicate key '${key}' (JSON objects must not repeat a key)` };
        else top.keys.add(key);
      } else if (hasEscape || rawSurrogates) {
        // Only strings with escapes (or a body with raw surrogates at all) can hold a lone surrogate.
        const value = hasEscape ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (LONE_SURROGATE.test(value))
          return { path: pathOf(stack), message: 'string has a lone surrogate (an unpaired \\uD800–\\uDFFF), which is not text' };
      }
      i = end + 1;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      let exponent = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 101 || d === 69) exponent = true;
        else if (d !== 46 && !(d === 45 || d === 43 || (d >= 48 && d <= 57))) break;
        i++;
      }
      if (exponent || i - start >= SHORT_NUMBER) {
        const problem = numberProblem(text.slice(start, i));
        if (problem) return { path: pathOf(stack), message: problem };
      }
      continue;
    }
    switch (c) {
      case 123: // {
        stack.push({ array: false, index: 0, key: '', keys: null, expectKey: true });
        break;
      case 91: // [
        stack.push({ array: true, index: 0, key: '', keys: null, expectKey: false });
        break;
      case 125: // }
      case 93: // ]
        stack.pop();
        break;
      case 44: {
        // ,
        const top = stack[stack.length - 1];
        if (top?.array) top.index++;
        else if (top) top.expectKey = true;
        break;
      }
    }
    i++;
  }
  return null;
}

/**
 * The media type of the request body (lower case, without parameters). Bodies are read as UTF-8 (as
 * JSON text must be, RFC 8259 §8.1): a `charset` naming another encoding is a 415, since reading
 * its bytes as UTF-8 would change the text (`Ã©` sent as ISO-8859-1 would arrive as `é`).
 */
export function bodyMediaType(c: Context): string {
  const [type = '', ...params] = (c.req.header('content-type') ?? '').split(';');
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new GatehouseError(
        'unsupported_media_type',
        `Content-Type charset '${charset.slice(0, 40)}' is not supported; send the body as UTF-8`,
      );
    }
  }
  return type.trim().toLowerCase();
}

function requireJsonContentType(c: Context): void {
  const type = bodyMediaType(c);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new GatehouseError('unsupported_media_type', 'Content-Type must be application/json');
  }
}

/** Reads, parses and validates a JSON body against a zod schema (SPEC 5 errors on each failure). */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { optional?: boolean; maxValues?: number } = {},
): Promise<z.output<S>> {
  const text = await readText(c);
  let value: unknown = {};
  if (text.trim() === '') {
    if (!opts.optional) throw new GatehouseError('invalid_json', 'Body is empty; a JSON object is expected');
  } else {
    requireJsonContentType(c);
    value = parseJsonText(text, { maxValues: opts.maxValues });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/**
 * Validates the query string against a zod schema. A parameter given twice is a 400 naming it: one
 * of its values would otherwise be dropped without a word (`?status=pending&status=denied`).
 */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const repeated = Object.entries(c.req.queries())
    .filter(([, values]) => values.length > 1)
    .map(([name]) => ({ path: name, message: 'is given more than once; send it once' }));
  if (repeated.length) throw invalidDetails(repeated, 'Query is invalid');
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error, 'Query', '', '(query)');
  return parsed.data;
}
