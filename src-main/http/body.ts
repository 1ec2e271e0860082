import type { Context } from 'hono';
import type { z } from 'zod';
import { GatehouseError, invalid, invalidDetails } from '../core/errors.js';
import { parseJsonText } from '../core/json-body.js';

export const BODY_LIMIT = 1024 * 1024;

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

/**
 * The text of a JSON body (size limit, UTF-8, a JSON media type): '' for an empty body, which only an
 * endpoint whose body is optional accepts.
 */
export async function readJsonText(c: Context, opts: { optional?: boolean } = {}): Promise<string> {
  const text = await readText(c);
  if (text.trim() === '') {
    if (!opts.optional) throw new GatehouseError('invalid_json', 'Body is empty; a JSON object is expected');
    return '';
  }
  requireJsonContentType(c);
  return text;
}

/** Reads, parses and validates a JSON body against a zod schema (SPEC 5 errors on each failure). */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { optional?: boolean; maxValues?: number } = {},
): Promise<z.output<S>> {
  const text = await readJsonText(c, opts);
  const value = text === '' ? {} : parseJsonText(text, { maxValues: opts.maxValues });
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
