import { z } from 'zod';
import {
  type Delivery,
  type DeliveryQuery,
  type EventEnvelope,
  type EventName,
  type WebhookCreateSchema,
  type WebhookView,
} from '../../src-shared/index.js';
import { maskSecrets } from '../../src-shared/secrets.js';
import { iso, type Clock } from '../core/clock.js';
import { DEFAULT_WEBHOOK_OPTIONS, DeliveryDispatcher, type WebhookOptions } from './webhook-dispatch.js';
export { DEFAULT_WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-dispatch.js';
import { newId } from '../core/ids.js';
import { conflict, invalidField, notFound } from '../core/errors.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';
import type { EventBus } from './bus.js';
import { deliveryBody } from './webhook-format.js';
import { deliveryKeyOf, WebhookRecovery } from './webhook-recovery.js';
import {
  auditUrl,
  deliveryOf,
  dropOps,
  hookOf,
  insertDeliveryOp,
  insertSourcedDeliveryOps,
  insertWebhookOp,
  overflowEndedOp,
  viewOf,
  type DeliveryRow,
  type Drops,
  type Hook,
  type WebhookRow,
} from './webhook-rows.js';

const MAX_WEBHOOKS = 50;

export type WebhookInput = z.output<typeof WebhookCreateSchema>;

const CURSOR = /^(\d{1,16})\.(dlv_[a-z0-9]{1,40})$/;

/** What one event queues: delivery rows, drops, an overflow alert; committed together. */
interface Plan {
  seq: number | null;
  event: EventName;
  ops: Op[];
  rows: DeliveryRow[];
  dropped: Hook[];
  alerts: AuditDraft[];
  /** The webhooks whose overflow this plan's alerts report. */
  alerted: string[];
  /** The webhooks this plan marks as no longer overflowing (a delivery was queued for them). */
  ended: string[];
  keys: string[];
}

/**
 * Webhooks (SPEC 7.4): the configured webhooks and their queue. Every bus event that a webhook
 * subscribes to becomes a `deliveries` row (committed, so the queue survives restarts); the
 * dispatcher (`webhook-dispatch.ts`) POSTs it with the seeds' signature and retries with backoff
 * until 24 h after creation. Nothing here runs inside the request that raised the event (the bus
 * listener only queues work); what a crash or a failed write keeps from being queued live is
 * queued from the audit log (`webhook-recovery.ts`). An event a webhook cannot take (its backlog is
 * full) is counted (`dropped` in its view) and the first of each overflow raises an alert.
 */
export class WebhookService {
  private opts: WebhookOptions;
  private readonly dispatch: DeliveryDispatcher;
  private readonly hooks = new Map<string, Hook>();
  private readonly backlog = new Map<string, number>();
  private readonly drops = new Map<string, Drops>();
  /** Webhooks whose backlog is full: their overflow's alert is raised, the next one waits until it drains. */
  private readonly overflowing = new Set<string>();
  /**
   * Webhooks marked overflowing in `webhook_drops` (from a drop until a delivery is queued for them
   * again): a restart takes their overflow as still going on (alerted already) until there is room.
   */
  private readonly markedOverflowing = new Set<string>();
  /** Live deliveries being committed (`deliveryKeyOf`). */
  private readonly inFlight = new Set<string>();
  private readonly recovery: WebhookRecovery<Plan>;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    opts: Partial<WebhookOptions> = {},
  ) {
    this.opts = { ...DEFAULT_WEBHOOK_OPTIONS, ...opts };
    this.dispatch = new DeliveryDispatcher(store, clock, {
      options: () => this.opts,
      hook: (id) => this.hooks.get(id),
      hookIds: () => this.hooks.keys(),
      settled: (hookId) => this.settleBacklog(hookId),
    });
    for (const r of store.all<WebhookRow>('SELECT * FROM webhooks ORDER BY created_ms')) this.hooks.set(r.id, hookOf(r));
    for (const r of store.all<{ webhook_id: string; n: number }>(
      "SELECT webhook_id, COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'retrying') GROUP BY webhook_id",
    )) {
      this.backlog.set(r.webhook_id, r.n);
    }
    for (const r of store.all<Drops & { webhook_id: string; overflowing: number }>(
      'SELECT webhook_id, dropped, last_ms, overflowing FROM webhook_drops',
    )) {
      this.drops.set(r.webhook_id, { dropped: r.dropped, last_ms: r.last_ms });
      if (r.overflowing === 1) {
        this.markedOverflowing.add(r.webhook_id);
        this.overflowing.add(r.webhook_id);
      }
    }
    this.recovery = new WebhookRecovery<Plan>(store, {
      hooks: () => this.hooks.values(),
      inFlight: (hookId, seq, event) => this.inFlight.has(deliveryKeyOf(hookId, seq, event)),
      queue: (e, seq, targets) => this.plan(e, seq, targets, false),
      commit: (plans, extra) => this.commitPlans(plans, extra),
    });
    // Subscribed from construction so that events raised while the core opens are queued too;
    // they are sent once `start()` runs.
    this.unsubscribe = bus.subscribe((e, seq) => this.onEvent(e, seq));
  }

  /** Queues now what the audit log holds and the queue lacks (tests; it also runs every minute). */
  recover(): Promise<void> {
    return this.recovery.catchUp();
  }

  /** Changes options (tests shorten the backoff); applies to attempts from now on. */
  configure(opts: Partial<WebhookOptions>): void {
    this.opts = { ...this.opts, ...opts };
    this.dispatch.pump();
  }

  /** Resumes the persisted queue: everything due is sent, the rest is scheduled. */
  start(): void {
    if (this.closed) return;
    this.dispatch.start();
    this.recovery.start();
  }

  /** Stops dispatch: attempts in flight are cut off and stay queued for the next start. */
  async stop(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.recovery.stop();
    await this.dispatch.stop();
  }

  // --- CRUD -------------------------------------------------------------------------------

  list(): WebhookView[] {
    return [...this.hooks.values()]
      .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1))
      .map((h) => viewOf(h, this.drops.get(h.id)));
  }

  async create(body: WebhookInput, actor = 'user'): Promise<WebhookView> {
    if (this.hooks.size >= MAX_WEBHOOKS) throw conflict(`At most ${MAX_WEBHOOKS} webhooks can be configured`);
    const u = new URL(body.url);
    if (u.username || u.password) {
      // fetch() refuses such URLs; say so now rather than failing every delivery for 24 h.
      throw invalidField('url', 'credentials in the URL are not supported; use `secret` to sign deliveries');
    }
    const events = [...new Set(body.events)];
    const hook: Hook = {
      id: newId('whk'),
      name: body.name == null ? null : maskSecrets(body.name),
      url: body.url,
      events: new Set(events),
      secret: body.secret ?? null,
      format: body.format,
      enabled: body.enabled,
      createdMs: this.clock.now(),
    };
    await this.store.commit(
      [insertWebhookOp(hook)],
      [
        {
          type: 'webhook.created',
          actor,
          data: {
            webhook_id: hook.id,
            name: hook.name,
            url: auditUrl(hook.url),
            events,
            format: hook.format,
            enabled: hook.enabled,
            has_secret: hook.secret !== null,
          },
        },
      ],
    );
    this.hooks.set(hook.id, hook);
    return viewOf(hook);
  }

  /** Deletes a webhook and its deliveries (queued ones are not sent any more). */
  async remove(id: string, actor = 'user'): Promise<{ deleted: string }> {
    const hook = this.hooks.get(id);
    if (!hook) throw notFound(`Webhook '${id}'`);
    await this.store.commit(
      [
        { sql: 'DELETE FROM deliveries WHERE webhook_id = ?', params: [id] },
        { sql: 'DELETE FROM delivery_sources WHERE webhook_id = ?', params: [id] },
        { sql: 'DELETE FROM webhook_drops WHERE webhook_id = ?', params: [id] },
        { sql: 'DELETE FROM webhooks WHERE id = ?', params: [id] },
      ],
      [{ type: 'webhook.deleted', actor, data: { webhook_id: id, name: hook.name, url: auditUrl(hook.url) } }],
    );
    this.hooks.delete(id);
    this.backlog.delete(id);
    this.drops.delete(id);
    this.overflowing.delete(id);
    this.markedOverflowing.delete(id);
    return { deleted: id };
  }

  /** Deliveries of one webhook, newest first, each with every attempt. */
  deliveries(id: string, q: DeliveryQuery): { items: Delivery[]; next_cursor: string | null } {
    if (!this.hooks.has(id)) throw notFound(`Webhook '${id}'`);
    const where = ['webhook_id = ?'];
    const params: (string | number)[] = [id];
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.cursor) {
      const m = CURSOR.exec(q.cursor);
      if (!m) throw invalidField('cursor', 'not a cursor from this list', 'Query is invalid');
      where.push('(created_ms < ? OR (created_ms = ? AND id < ?))');
      params.push(Number(m[1]), Number(m[1]), m[2]!);
    }
    const rows = this.store.all<DeliveryRow>(
      `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, id DESC LIMIT ?`,
      [...params, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(deliveryOf), next_cursor: rows.length > q.limit && last ? `${last.created_ms}.${last.id}` : null };
  }

  /** Queues a synthetic `alert.triggered`-shaped event to this webhook only (filters and `enabled` aside). */
  async test(id: string): Promise<Delivery> {
    const hook = this.hooks.get(id);
    if (!hook) throw notFound(`Webhook '${id}'`);
    const now = this.clock.now();
    const e: EventEnvelope = {
      id: newId('evt'),
      event: 'alert.triggered',
      created_at: iso(now),
      data: { kind: 'test', message: `Test delivery from Gatehouse to webhook ${hook.name ?? hook.id}`, test: true, webhook_id: hook.id },
    };
    const plan = this.plan(e, null, [hook], true);
    await this.commitPlans([plan]);
    return deliveryOf(plan.rows[0]!);
  }

  // --- dispatch ---------------------------------------------------------------------------

  private onEvent(e: EventEnvelope, seq: number | null): void {
    if (this.closed) return;
    let targets: Hook[] | null = null;
    for (const h of this.hooks.values()) {
      if (h.enabled && (h.events.has('*') || h.events.has(e.event))) (targets ??= []).push(h);
    }
    if (!targets) return;
    this.commitPlans([this.plan(e, seq, targets, false)]).catch((err: unknown) => {
      // Not lost: the recovery queues it from the audit log on its next pass (or the next start).
      console.error(`gatehouse: webhook deliveries for ${e.event} ${e.id} could not be queued: ${(err as Error).message}`);
    });
  }

  /**
   * What queuing `e` (raised by record `seq`) for `targets` writes. A webhook whose backlog is full
   * gets no delivery: the event is counted as dropped for it, and the first drop of an overflow
   * raises an alert (audited and published once the commit is durable). The overflow lasts, across
   * restarts too, until a delivery can be queued for it again.
   */
  private plan(e: EventEnvelope, seq: number | null, targets: Hook[], force: boolean): Plan {
    const now = this.clock.now();
    const plan: Plan = { seq, event: e.event, ops: [], rows: [], dropped: [], alerts: [], alerted: [], ended: [], keys: [] };
    for (const h of targets) {
      const queued = this.backlog.get(h.id) ?? 0;
      if (!force && queued >= this.opts.maxBacklog) {
        plan.dropped.push(h);
        plan.ops.push(...dropOps(h.id, seq, e.event, now));
        if (!this.overflowing.has(h.id)) {
          this.overflowing.add(h.id);
          plan.alerts.push(this.overflowAlert(h, e));
          plan.alerted.push(h.id);
        }
        continue;
      }
      this.backlog.set(h.id, queued + 1);
      // There is room: whatever overflow it had is over (a restart found it still marked, or it drained).
      this.overflowing.delete(h.id);
      if (this.markedOverflowing.has(h.id)) {
        plan.ops.push(overflowEndedOp(h.id));
        plan.ended.push(h.id);
      }
      const row: DeliveryRow = {
        id: newId('dlv'),
        webhook_id: h.id,
        event_id: e.id,
        event: e.event,
        body: deliveryBody(h.format, e),
        status: 'pending',
        attempts: 0,
        next_ms: now,
        created_ms: now,
        delivered_ms: null,
        attempt_log: '[]',
      };
      plan.rows.push(row);
      if (seq === null) plan.ops.push(insertDeliveryOp(row));
      else {
        plan.ops.push(...insertSourcedDeliveryOps(row, seq));
        const key = deliveryKeyOf(h.id, seq, e.event);
        this.inFlight.add(key);
        plan.keys.push(key);
      }
    }
    return plan;
  }

  private overflowAlert(h: Hook, e: EventEnvelope): AuditDraft {
    const who = h.name ?? h.id;
    return {
      type: 'alert.triggered',
      actor: 'system',
      data: {
        kind: 'webhook-backlog-full',
        message: `Webhook ${who} has ${this.opts.maxBacklog} undelivered events queued; new events for it are dropped (and counted) until it catches up`,
        webhook_id: h.id,
        url: auditUrl(h.url),
        max_backlog: this.opts.maxBacklog,
        first_dropped_event: e.event,
        first_dropped_event_id: e.id,
      },
    };
  }

  /** Commits plans (with `extra` ops) as one transaction; then their deliveries are sent and their alerts published. */
  private async commitPlans(plans: Plan[], extra: Op[] = []): Promise<void> {
    const ops = [...plans.flatMap((p) => p.ops), ...extra];
    const alerts = plans.flatMap((p) => p.alerts);
    if (ops.length === 0 && alerts.length === 0) return;
    let records;
    try {
      records = await this.store.commit(ops, alerts);
    } catch (err) {
      for (const p of plans) {
        for (const k of p.keys) this.inFlight.delete(k);
        for (const r of p.rows) this.settleBacklog(r.webhook_id);
        for (const id of p.alerted) this.overflowing.delete(id);
      }
      throw err;
    }
    const now = this.clock.now();
    for (const p of plans) {
      for (const k of p.keys) this.inFlight.delete(k);
      // A sourced delivery that the other path (live or recovery) had queued first was not inserted.
      if (p.seq !== null)
        for (const r of p.rows) if (!this.store.get('SELECT 1 AS x FROM deliveries WHERE id = ?', [r.id])) this.settleBacklog(r.webhook_id);
      for (const id of p.ended) this.markedOverflowing.delete(id);
      for (const h of p.dropped) {
        const d = this.drops.get(h.id);
        this.drops.set(h.id, { dropped: (d?.dropped ?? 0) + 1, last_ms: now });
        this.markedOverflowing.add(h.id);
      }
    }
    for (const rec of records) this.bus.publish('alert.triggered', rec.data, { seq: rec.seq, now });
    this.dispatch.pump();
  }

  /** A delivery finished (delivered, or failed for good): one fewer queued for its webhook. */
  private settleBacklog(hookId: string): void {
    const n = this.backlog.get(hookId);
    if (n === undefined) return;
    const left = Math.max(0, n - 1);
    this.backlog.set(hookId, left);
    // The overflow is over once there is room again; the next one raises its own alert.
    if (left < this.opts.maxBacklog) this.overflowing.delete(hookId);
  }
}
