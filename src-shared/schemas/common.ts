import { z } from 'zod';
// Every schema imports this module: zod's messages are worded (once, for every parse) before any runs.
import './issue-messages.js';

/** Identifiers and small value types shared by every schema. */
export const AgentIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

export const ActionTypeSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'must be a dotted or snake_case verb such as database.delete');

/** A plain decimal number, as a query string or a header writes one. */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * A number for queryNumber: what is there but not a number "must be a decimal number". A missing one
 * and a range check keep zod's own issues (the API reports the first as "Required", core/errors.ts).
 */
export const decimal = () =>
  z.number({ error: (iss) => (iss.code === 'invalid_type' && iss.input !== undefined ? 'must be a decimal number' : undefined) });

/**
 * A number read from a query string or a header (or given as a number by code). Only a plain decimal
 * is read: `0x10`, `1e2`, ` 5` or an empty value is a 400 naming the field, where z.coerce would
 * read 16, 100, 5 and 0 (nothing a client sends is silently changed). `schema` is built on
 * `decimal()`, with its default inside (`decimal().int().default(100)`) so the OpenAPI document shows it.
 */
export function queryNumber<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v), schema);
}

export const IsoTimeSchema = z.iso.datetime({ offset: true });

/**
 * A `since`/`until` window must not end before it starts: such a window can hold nothing, and an
 * empty success would read as "nothing happened" (a mistyped date, swapped bounds). A 400 naming
 * `until` instead. Equal bounds are an empty window, asked for plainly, and allowed.
 */
export function windowInOrder(q: { since?: string | undefined; until?: string | undefined }, ctx: z.core.$RefinementCtx): void {
  if (q.since === undefined || q.until === undefined) return;
  if (Date.parse(q.until) < Date.parse(q.since))
    ctx.addIssue({ code: 'custom', path: ['until'], message: `must not be before since (${q.since}): the window would hold nothing` });
}

/** A JSON object with string keys (parameters, context, metadata...). */
export const JsonObjectSchema = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObjectSchema>;

export const RiskLevelSchema = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskLevel = z.infer<typeof RiskLevelSchema>;

/** Cursor-paginated list envelope used by every list endpoint. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

/** The fields of `from` that `schema` names, in its order (event and summary bodies are picks of a record). */
export function pickShape<S extends z.ZodObject>(schema: S, from: { [K in keyof z.infer<S>]: unknown }): z.infer<S> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(schema.shape)) out[k] = (from as Record<string, unknown>)[k];
  return out as z.infer<S>;
}
