import { z } from 'zod';
import { IsoTimeSchema } from './common.js';

/**
 * SIEM sinks (SPEC 7.8): every audit record forwarded, in seq order, at least once, from a
 * persisted cursor. Tokens are kept to send with each batch; they are never shown back (only their
 * last 4 characters) and never written to the audit log.
 */
/**
 * No `user:password@` in it: fetch refuses such a URL (the sink could never send), and the error
 * would show the secret back in the status. The credential goes in `token`.
 */
const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2_048)
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return parsed.username === '' && parsed.password === '';
    } catch {
      return true; // z.url() has said what is wrong with it
    }
  }, 'must not carry credentials (user:password@): put the token in `token`');
const Name = z.string().max(128).optional();
const BatchSize = z
  .number()
  .int()
  .min(1)
  .max(5_000)
  .optional()
  .describe('Records per batch (default 500; syslog sends one frame per record).');

export const SINK_TYPES = ['splunk_hec', 'syslog', 'otlp_http', 'file'] as const;
export const SinkTypeSchema = z.enum(SINK_TYPES);
export type SinkType = z.infer<typeof SinkTypeSchema>;

export const SinkCreateSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('splunk_hec'),
      url: HttpUrl.describe('The collector, e.g. `https://splunk.example.com:8088` (events go to `/services/collector/event`).'),
      token: z.string().min(1).max(512).describe('The HEC token, sent as `Authorization: Splunk <token>`.'),
      index: z.string().max(128).optional(),
      name: Name,
      batch_size: BatchSize,
    })
    .strict(),
  z
    .object({
      type: z.literal('syslog'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65_535),
      name: Name,
      batch_size: BatchSize,
    })
    .strict()
    .describe('RFC 5424 messages over TCP, octet-counted framing (RFC 6587).'),
  z
    .object({
      type: z.literal('otlp_http'),
      url: HttpUrl.describe('The OTLP/HTTP endpoint, e.g. `http://localhost:4318` (logs go to `/v1/logs` as JSON).'),
      token: z.string().min(1).max(512).optional().describe('Sent as `Authorization: Bearer <token>` when given.'),
      name: Name,
      batch_size: BatchSize,
    })
    .strict(),
  z
    .object({
      type: z.literal('file'),
      path: z
        .string()
        .min(1)
        .max(4_096)
        .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path')
        .describe('JSONL is appended here (one export line per record) for a log shipper.'),
      name: Name,
      batch_size: BatchSize,
    })
    .strict(),
]);
export type SinkCreate = z.input<typeof SinkCreateSchema>;
export type SinkConfig = z.output<typeof SinkCreateSchema>;

export const SinkViewSchema = z.object({
  id: z.string(),
  type: SinkTypeSchema,
  name: z.string().nullable(),
  /** Where records go: the URL, `host:port` or the file path. */
  target: z.string(),
  /** `…` and the last 4 characters of the token; null without one. */
  token_hint: z.string().nullable(),
  created_at: IsoTimeSchema,
});
export type SinkView = z.infer<typeof SinkViewSchema>;

export const SinkStatusSchema = z.object({
  id: z.string(),
  type: SinkTypeSchema,
  /** The last seq delivered (acknowledged by the receiver). */
  cursor: z.number().int(),
  /** The log's last seq. */
  head: z.number().int(),
  /** Records not yet delivered. */
  lag: z.number().int(),
  state: z.enum(['up_to_date', 'sending', 'retrying']),
  delivered: z.number().int().describe('Records delivered since the sink was created.'),
  failures: z.number().int().describe('Failed attempts in a row (0 after a success).'),
  last_error: z.string().nullable(),
  last_error_at: IsoTimeSchema.nullable(),
  last_success_at: IsoTimeSchema.nullable(),
  next_attempt_at: IsoTimeSchema.nullable(),
});
export type SinkStatus = z.infer<typeof SinkStatusSchema>;
