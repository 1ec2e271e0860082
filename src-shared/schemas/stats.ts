import { z } from 'zod';
import { IsoTimeSchema } from './common.js';
import { DecisionCountsSchema } from './agents.js';

export const StatsQuerySchema = z.object({ window: z.enum(['1h', '6h', '24h', '7d', '30d']).default('24h') }).strict();

export const StatsSchema = z.object({
  window: z.string(),
  since: IsoTimeSchema,
  until: IsoTimeSchema,
  bucket_s: z.number().int(),
  totals: DecisionCountsSchema,
  /**
   * Of `totals.expired`, those whose `timeout_action` let them run (decision `allowed`): nobody
   * answered them, yet they went ahead. The Dashboard must not count them among what did not run.
   */
  expired_allowed: z.number().int(),
  pending_approvals: z.number().int(),
  by_risk_level: z.object({ low: z.number(), medium: z.number(), high: z.number(), critical: z.number() }),
  by_agent: z.array(z.object({ agent_id: z.string(), count: z.number() })),
  by_action_type: z.array(z.object({ action_type: z.string(), count: z.number() })),
  timeline: z.array(z.object({ t: IsoTimeSchema, allowed: z.number(), denied: z.number(), pending: z.number() })),
  approval_latency: z.object({
    count: z.number().int(),
    p50_s: z.number().nullable(),
    p90_s: z.number().nullable(),
    max_s: z.number().nullable(),
  }),
  /**
   * The answers a person gave to the window's actions, by answer (the same actions as
   * `approval_latency`): what the Dashboard calls "by you". `totals.approved` cannot say it: an
   * approved action the agent then reports on is `completed` or `failed`, and a workflow step that
   * timed out approves or rejects without a person (SPEC 11).
   */
  answers: z.object({ approved: z.number().int(), rejected: z.number().int() }),
});
export type Stats = z.infer<typeof StatsSchema>;
