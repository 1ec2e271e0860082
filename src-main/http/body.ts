import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError, invalid } from './errors.js';

export const BODY_LIMIT = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting depth of a JSON text, counted outside strings, stopping early past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped char
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

const tooLarge = (limit: number) => new HttpError('too_large', `Body is larger than ${limit} bytes`);

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

/** Reads the raw body as UTF-8 text within the size limit; invalid UTF-8 is a 400. */
export async function readText(c: Context, limit = BODY_LIMIT): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const buf = await readBytes(c, limit);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new HttpError('invalid_json', 'Body is not valid UTF-8');
  }
}

/** Parses JSON text safely: depth-bounded, no prototype-polluting keys. */
export function parseJsonText(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new HttpError('invalid_request', `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let badKey: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(text, (k, v: unknown) => {
      if (FORBIDDEN_KEYS.has(k)) badKey = k;
      return v;
    });
  } catch (e) {
    throw new HttpError('invalid_json', `Body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  if (badKey) throw new HttpError('invalid_request', `Field name '${badKey}' is not allowed`, [{ path: badKey, message: 'Forbidden key' }]);
  return value;
}

function requireJsonContentType(c: Context): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError('unsupported_media_type', 'Content-Type must be application/json');
  }
}

/** Reads, parses and validates a JSON body against a zod schema (SPEC 5 errors on each failure). */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, opts: { optional?: boolean } = {}): Promise<z.output<S>> {
  const text = await readText(c);
  let value: unknown = {};
  if (text.trim() === '') {
    if (!opts.optional) throw new HttpError('invalid_json', 'Body is empty; a JSON object is expected');
  } else {
    requireJsonContentType(c);
    value = parseJsonText(text);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/** Validates the query string against a zod schema. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error, 'Query');
  return parsed.data;
}
