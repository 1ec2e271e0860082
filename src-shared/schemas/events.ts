import { z } from 'zod';
import { IsoTimeSchema, JsonObjectSchema } from './common.js';

/** SPEC 7.3 */
export const EVENT_NAMES = [
  'action.submitted',
  'action.allowed',
  'action.denied',
  'approval.requested',
  'approval.step_answered',
  'approval.escalated',
  'action.approved',
  'action.rejected',
  'action.expired',
  'action.withdrawn',
  'action.completed',
  'policy.changed',
  'alert.triggered',
  'checkpoint.signed',
] as const;
export const EventNameSchema = z.enum(EVENT_NAMES);
export type EventName = z.infer<typeof EventNameSchema>;

/** GET /api/v1/events query. */
export const EventsQuerySchema = z
  .object({
    events: z.string().max(1_000).optional().describe('Comma-separated event names to receive (default: all). `*` means all.'),
  })
  .strict();

export const EventEnvelopeSchema = z.object({
  id: z.string(),
  event: EventNameSchema,
  created_at: IsoTimeSchema,
  data: JsonObjectSchema,
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

export const AlertKindSchema = z.enum([
  'critical-risk',
  'repeated-denials',
  'mcp-tools-changed',
  'mcp-tool-definition-changed',
  'policy-unusable',
  'webhook-backlog-full',
]);
export type AlertKind = z.infer<typeof AlertKindSchema>;
