import { z } from 'zod';

/** Identifiers and small value types shared by every schema. */
export const AgentIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

export const ActionTypeSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'must be a dotted or snake_case verb such as database.delete');

export const IsoTimeSchema = z.iso.datetime({ offset: true });

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
