import { z } from 'zod';
import type { Delivery, EventName, WebhookView } from '../../src-shared/index.js';
import { iso, isoOrNull } from '../core/clock.js';
import type { Op } from '../storage/types.js';
import type { WebhookFormat } from './webhook-format.js';

/** A `webhooks` row (schema.ts). `events` is a JSON array; `secret` stays server-side. */
export interface WebhookRow {
  id: string;
  name: string | null;
  url: string;
  events: string;
  secret: string | null;
  format: WebhookFormat;
  enabled: number;
  created_ms: number;
}

/** A `deliveries` row; `body` is the exact JSON text that is POSTed on every attempt. */
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  body: string;
  status: Delivery['status'];
  attempts: number;
  next_ms: number | null;
  created_ms: number;
  delivered_ms: number | null;
  attempt_log: string;
}

export const AttemptSchema = z.object({
  at: z.string(),
  response_status: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number(),
});
export type Attempt = z.infer<typeof AttemptSchema>;
const AttemptLogSchema = z.array(AttemptSchema);

/** A webhook as held in memory for dispatch. */
export interface Hook {
  id: string;
  name: string | null;
  url: string;
  events: ReadonlySet<EventName | '*'>;
  secret: string | null;
  format: WebhookFormat;
  enabled: boolean;
  createdMs: number;
}

export function hookOf(r: WebhookRow): Hook {
  const events = z.array(z.string()).catch([]).parse(JSON.parse(r.events));
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    events: new Set(events as (EventName | '*')[]),
    secret: r.secret,
    format: r.format,
    enabled: r.enabled === 1,
    createdMs: r.created_ms,
  };
}

/** Events a webhook lost to a full backlog (`webhook_drops`). */
export interface Drops {
  dropped: number;
  last_ms: number;
}

export const viewOf = (h: Hook, drops?: Drops): WebhookView => ({
  id: h.id,
  name: h.name,
  url: h.url,
  events: [...h.events],
  format: h.format,
  enabled: h.enabled,
  has_secret: h.secret !== null,
  created_at: iso(h.createdMs),
  dropped: drops?.dropped ?? 0,
  last_dropped_at: isoOrNull(drops?.last_ms ?? null),
});

/** The attempt log of a row; a damaged log reads as empty rather than failing the listing. */
export function attemptsOf(r: Pick<DeliveryRow, 'attempt_log'>): Attempt[] {
  try {
    return AttemptLogSchema.catch([]).parse(JSON.parse(r.attempt_log));
  } catch {
    return [];
  }
}

export const deliveryOf = (r: DeliveryRow): Delivery => ({
  id: r.id,
  webhook_id: r.webhook_id,
  event_id: r.event_id,
  event: r.event,
  status: r.status,
  attempts: r.attempts,
  next_attempt_at: r.status === 'pending' || r.status === 'retrying' ? isoOrNull(r.next_ms) : null,
  created_at: iso(r.created_ms),
  delivered_at: isoOrNull(r.delivered_ms),
  attempt_log: attemptsOf(r),
});

export const insertWebhookOp = (h: Hook): Op => ({
  sql: 'INSERT INTO webhooks (id, name, url, events, secret, format, enabled, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  params: [h.id, h.name, h.url, JSON.stringify([...h.events]), h.secret, h.format, h.enabled ? 1 : 0, h.createdMs],
});

export const insertDeliveryOp = (r: DeliveryRow): Op => ({
  sql: 'INSERT INTO deliveries (id, webhook_id, event_id, event, body, status, attempts, next_ms, created_ms, delivered_ms, attempt_log) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  params: [r.id, r.webhook_id, r.event_id, r.event, r.body, r.status, r.attempts, r.next_ms, r.created_ms, r.delivered_ms, r.attempt_log],
});

/**
 * The delivery of event `event` of audit record `seq`, queued only if that webhook has none yet:
 * the live path and the recovery from the log (webhook-recovery.ts) may both offer it, and the
 * `delivery_sources` key lets exactly one of them in (`changes()` is the INSERT OR IGNORE's).
 */
export const insertSourcedDeliveryOps = (r: DeliveryRow, seq: number): Op[] => [
  { sql: 'INSERT OR IGNORE INTO delivery_sources (webhook_id, audit_seq, event) VALUES (?, ?, ?)', params: [r.webhook_id, seq, r.event] },
  {
    sql: 'INSERT INTO deliveries (id, webhook_id, event_id, event, body, status, attempts, next_ms, created_ms, delivered_ms, attempt_log) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1',
    params: insertDeliveryOp(r).params!,
  },
];

/**
 * An event not queued for a full webhook: counted, marked as handled so recovery does not queue it
 * either, and the webhook marked as overflowing (its overflow's alert goes with its first drop).
 */
export const dropOps = (hookId: string, seq: number | null, event: string, now: number): Op[] => [
  ...(seq === null
    ? []
    : [{ sql: 'INSERT OR IGNORE INTO delivery_sources (webhook_id, audit_seq, event) VALUES (?, ?, ?)', params: [hookId, seq, event] }]),
  {
    sql: 'INSERT INTO webhook_drops (webhook_id, dropped, last_ms, overflowing) VALUES (?, 1, ?, 1) ON CONFLICT(webhook_id) DO UPDATE SET dropped = dropped + 1, last_ms = excluded.last_ms, overflowing = 1',
    params: [hookId, now],
  },
];

/** A delivery was queued for the webhook again, so there was room: its overflow is over (the next one alerts). */
export const overflowEndedOp = (hookId: string): Op => ({
  sql: 'UPDATE webhook_drops SET overflowing = 0 WHERE webhook_id = ? AND overflowing = 1',
  params: [hookId],
});

export const updateDeliveryOp = (r: DeliveryRow): Op => ({
  sql: 'UPDATE deliveries SET status = ?, attempts = ?, next_ms = ?, delivered_ms = ?, attempt_log = ? WHERE id = ?',
  params: [r.status, r.attempts, r.next_ms, r.delivered_ms, r.attempt_log, r.id],
});

/**
 * The URL as the audit log records it: scheme, host and first path segment only. Incoming-webhook
 * URLs (Slack, Teams) carry their credential in the path, and the audit log is exported.
 */
export function auditUrl(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    const more = u.pathname.split('/').filter(Boolean).length > 1 || u.search !== '';
    return `${u.origin}${first ? `/${first}` : ''}${more ? '/…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}
