import type { Context } from 'hono';
import type { z } from 'zod';
import { GatehouseError, invalid, invalidDetails } from '../core/errors.js';
import { jsonShape } from '../core/json-shape.js';
import { strictJsonProblem } from '../core/json-strict.js';

export const BODY_LIMIT = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;

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
 * double (→ Infinity) or underflows it (→ 0), an integer beyond ±2^53.
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
