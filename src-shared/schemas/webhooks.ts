import { z } from 'zod';
import { decimal, IsoTimeSchema, queryNumber } from './common.js';
import { EventNameSchema } from './events.js';

export const WebhookCreateSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2_048),
    // Bounded, so that a body of 100,000 wrong names is refused at once instead of checked one by one.
    events: z
      .array(z.union([EventNameSchema, z.literal('*')]))
      .min(1)
      .max(64),
    secret: z.string().min(8).max(256).optional(),
    format: z.enum(['json', 'slack']).default('json'),
    enabled: z.boolean().default(true),
    name: z.string().max(128).optional(),
  })
  .strict();
export type WebhookCreate = z.input<typeof WebhookCreateSchema>;

export const WebhookViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  url: z.string(),
  events: z.array(z.string()),
  format: z.enum(['json', 'slack']),
  enabled: z.boolean(),
  has_secret: z.boolean(),
  created_at: IsoTimeSchema,
  /** Events not queued for it because its backlog was full (each overflow also raises an alert). */
  dropped: z.number().int(),
  last_dropped_at: IsoTimeSchema.nullable(),
});
export type WebhookView = z.infer<typeof WebhookViewSchema>;

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'retrying', 'failed']);

/** GET /api/v1/webhooks/{id}/deliveries query. */
export const DeliveryQuerySchema = z
  .object({
    limit: queryNumber(decimal().int().min(1).max(500).default(50)),
    cursor: z.string().max(80).optional(),
    status: DeliveryStatusSchema.optional(),
  })
  .strict();
export type DeliveryQuery = z.output<typeof DeliveryQuerySchema>;

/** One delivery of one event to one webhook, with every attempt. */
export const DeliverySchema = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event: z.string(),
  status: DeliveryStatusSchema,
  attempts: z.number().int(),
  next_attempt_at: IsoTimeSchema.nullable(),
  created_at: IsoTimeSchema,
  delivered_at: IsoTimeSchema.nullable(),
  attempt_log: z.array(
    z.object({
      at: IsoTimeSchema,
      response_status: z.number().int().nullable(),
      error: z.string().nullable(),
      duration_ms: z.number(),
    }),
  ),
});
export type Delivery = z.infer<typeof DeliverySchema>;
