import { z } from 'zod';
import { EffectSchema, RiskFactorSchema } from './action.js';
import { IsoTimeSchema, RiskLevelSchema } from './common.js';

/** SPEC 13 — `GET /api/v1/reports/brief?window=7d|30d&format=html|pdf|json`. */
export const BriefWindowSchema = z.enum(['7d', '30d']);
export type BriefWindow = z.infer<typeof BriefWindowSchema>;
export const BriefFormatSchema = z.enum(['html', 'pdf', 'json']);
export type BriefFormat = z.infer<typeof BriefFormatSchema>;
export const BriefQuerySchema = z.object({ window: BriefWindowSchema.default('30d'), format: BriefFormatSchema.default('html') }).strict();

const count = z.number().int().nonnegative();
const LevelCountsSchema = z.object({ low: count, medium: count, high: count, critical: count });

/** One time bucket of the brief's charts. */
export const BriefBucketSchema = z.object({
  t: IsoTimeSchema,
  actions: count,
  /** Decided at submit without a person: allowed or denied; `held`: sent to a person. */
  allowed: count,
  denied: count,
  held: count,
  risk: LevelCountsSchema.extend({ avg: z.number().nullable(), max: z.number().int().nullable() }),
});
export type BriefBucket = z.infer<typeof BriefBucketSchema>;

export const BriefAgentSchema = z.object({
  agent_id: z.string(),
  name: z.string().nullable(),
  /** How much Gatehouse trusts it: registered (supervised or autonomous) or unregistered (+10 risk). */
  trust: z.enum(['supervised', 'autonomous', 'registered', 'unregistered']),
  actions: count,
  denied: count,
  held: count,
  max_risk: z.number().int().nullable(),
  last_seen_at: IsoTimeSchema.nullable(),
});

export const BriefRiskyActionSchema = z.object({
  action_id: z.string(),
  created_at: IsoTimeSchema,
  agent_id: z.string(),
  action_type: z.string(),
  resource: z.string().nullable(),
  risk: z.object({ score: z.number().int(), level: RiskLevelSchema, factors: z.array(RiskFactorSchema) }),
  decision: z.enum(['allowed', 'denied', 'pending']),
  status: z.string(),
  policy_id: z.string().nullable(),
  reason: z.string(),
});
export type BriefRiskyAction = z.infer<typeof BriefRiskyActionSchema>;

export const BriefChangeSchema = z.object({
  seq: z.number().int(),
  ts: IsoTimeSchema,
  type: z.string(),
  actor: z.string(),
  summary: z.string(),
});
export type BriefChange = z.infer<typeof BriefChangeSchema>;

export const BriefBurstSchema = z.object({ agent_id: z.string(), start: IsoTimeSchema, end: IsoTimeSchema, denied: count });
export type BriefBurst = z.infer<typeof BriefBurstSchema>;

export const BriefAlertSchema = z.object({ seq: z.number().int(), ts: IsoTimeSchema, kind: z.string(), message: z.string() });

/** The data behind the executive brief; the HTML and PDF forms are rendered from exactly this. */
export const BriefSchema = z.object({
  brief_version: z.literal(1),
  generated_at: IsoTimeSchema,
  window: BriefWindowSchema,
  since: IsoTimeSchema,
  until: IsoTimeSchema,
  bucket_s: z.number().int(),
  gatehouse: z.object({ version: z.string(), mode: z.enum(['desktop', 'headless']) }),
  posture: z.object({
    enforcement: z.enum(['enforce', 'monitor']),
    auto_allow_below: z.number(),
    require_approval_at: z.number(),
    deny_at: z.number().nullable(),
    approval_timeout_s: z.number(),
    timeout_action: z.enum(['deny', 'allow']),
    policies: z.object({
      total: count,
      enforced: count,
      shadow: count,
      disabled: count,
      /** Enabled, enforced policies by effect. */
      by_effect: z.record(EffectSchema, count),
      /** Made by "remember" answers (source: approval). */
      remembered: count,
    }),
    agents: z.object({
      total: count,
      registered: count,
      unregistered: count,
      autonomous: count,
      /** Agents with at least one action in the window. */
      active: count,
      top: z.array(BriefAgentSchema),
    }),
  }),
  totals: z.object({
    actions: count,
    allowed: count,
    denied: count,
    held: count,
    /** Outcomes of the held ones. */
    approved: count,
    rejected: count,
    expired: count,
    withdrawn: count,
    pending: count,
  }),
  risk: z.object({ by_level: LevelCountsSchema, avg: z.number().nullable() }),
  buckets: z.array(BriefBucketSchema),
  approval_latency: z.object({
    answered: count,
    p50_s: z.number().nullable(),
    p90_s: z.number().nullable(),
    max_s: z.number().nullable(),
    /** Answers by a person, by how long they took (upper bound in seconds; null = longer). */
    histogram: z.array(z.object({ le_s: z.number().nullable(), label: z.string(), count })),
    /** Held actions nobody answered: expired, or the agent stopped waiting. */
    unanswered: count,
  }),
  top_risky: z.array(BriefRiskyActionSchema),
  policy_changes: z.object({ total: count, items: z.array(BriefChangeSchema) }),
  denied_bursts: z.array(BriefBurstSchema),
  alerts: z.object({ total: count, items: z.array(BriefAlertSchema) }),
  chain: z.object({
    ok: z.boolean(),
    records: count,
    first_bad_seq: z.number().int().nullable(),
    head_hash: z.string().nullable(),
    error: z.string().nullable(),
    verified_at: IsoTimeSchema,
  }),
  /** The latest signed checkpoint (SPEC 7.6), or why there is none. */
  checkpoint: z.discriminatedUnion('available', [
    z.object({ available: z.literal(false), note: z.string() }),
    z.object({
      available: z.literal(true),
      seq: z.number().int(),
      ts: IsoTimeSchema,
      tree_size: z.number().int().nullable(),
      root_hash: z.string().nullable(),
      origin: z.string().nullable(),
      text: z.string().nullable(),
    }),
  ]),
  compliance: z.object({
    audit_records: count,
    first_record_at: IsoTimeSchema.nullable(),
    /** Settings `retention_days` (SPEC 7.7); null = everything is kept in the live log. */
    retention_days: z.number().nullable(),
    webhooks: z.array(z.object({ target: z.string(), events: z.array(z.string()), enabled: z.boolean() })),
    /** SIEM sinks (SPEC 7.8); null when this build has none to report. */
    sinks: z.array(z.object({ type: z.string(), target: z.string() })).nullable(),
  }),
});
export type Brief = z.infer<typeof BriefSchema>;
