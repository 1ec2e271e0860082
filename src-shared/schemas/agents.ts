import { z } from 'zod';
import { AgentIdSchema, decimal, IsoTimeSchema, JsonObjectSchema, queryNumber } from './common.js';

export const AgentRegisterSchema = z
  .object({
    agent_id: AgentIdSchema,
    name: z.string().max(200).optional(),
    agent_type: z.enum(['supervised', 'autonomous']).default('supervised'),
    capabilities: z.array(z.string().max(128)).max(256).optional(),
    metadata: JsonObjectSchema.optional(),
  })
  .strict();
export type AgentRegister = z.input<typeof AgentRegisterSchema>;

/** Counts of actions by status, all zero. */
export const zeroCounts = (): DecisionCounts => ({
  total: 0,
  allowed: 0,
  denied: 0,
  pending: 0,
  approved: 0,
  rejected: 0,
  expired: 0,
  withdrawn: 0,
  completed: 0,
  failed: 0,
});

export const DecisionCountsSchema = z.object({
  total: z.number().int(),
  allowed: z.number().int(),
  denied: z.number().int(),
  pending: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
  expired: z.number().int(),
  withdrawn: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});
export type DecisionCounts = z.infer<typeof DecisionCountsSchema>;

export const AgentSchema = z.object({
  agent_id: z.string(),
  name: z.string().nullable(),
  agent_type: z.enum(['supervised', 'autonomous']).nullable(),
  capabilities: z.array(z.string()),
  metadata: JsonObjectSchema,
  registered: z.boolean(),
  created_at: IsoTimeSchema,
  last_seen_at: IsoTimeSchema.nullable(),
  counts: DecisionCountsSchema,
  top_action_types: z.array(z.object({ action_type: z.string(), count: z.number().int() })),
});
export type Agent = z.infer<typeof AgentSchema>;

/** GET /api/v1/agents query: most recently seen first, cursor pagination (a page of 1,000 unless asked). */
export const AgentQuerySchema = z
  .object({
    limit: queryNumber(decimal().int().min(1).max(1000).default(1000)),
    cursor: z.string().max(256).optional(),
  })
  .strict();
