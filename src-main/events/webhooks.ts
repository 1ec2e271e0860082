import { z } from 'zod';
import {
  type Delivery,
  type DeliveryQuery,
  type EventEnvelope,
  type WebhookCreateSchema,
  type WebhookView,
} from '../../src-shared/index.js';
import { maskSecrets } from '../../src-shared/secrets.js';
import { iso, type Clock } from '../core/clock.js';
import { DEFAULT_WEBHOOK_OPTIONS, DeliveryDispatcher, type WebhookOptions } from './webhook-dispatch.js';
export { DEFAULT_WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-dispatch.js';
import { newId } from '../core/ids.js';
import { conflict, invalidField, notFound } from '../core/errors.js';
import type { Store } from '../storage/types.js';
import type { EventBus } from './bus.js';
import { deliveryBody } from './webhook-format.js';
import {
  auditUrl,
  deliveryOf,
  hookOf,
  insertDeliveryOp,
  insertWebhookOp,
  viewOf,
  type DeliveryRow,
  type Hook,
  type WebhookRow,
} from './webhook-rows.js';

const MAX_WEBHOOKS = 50;

export type WebhookInput = z.output<typeof WebhookCreateSchema>;

const CURSOR = /^(\d{1,16})\.(dlv_[a-z0-9]{1,40})$/;

/**
 * Webhooks (SPEC 7.4): the configured webhooks and their queue. Every bus event that a webhook
 * subscribes to becomes a `deliveries` row (committed, so the queue survives restarts); the
 * dispatcher (`webhook-dispatch.ts`) POSTs it with the seeds' signature and retries with backoff
 * until 24 h after creation. Nothing here runs inside the request that raised the event (the bus
 * listener only queues work).
 */
export class WebhookService {
  private opts: WebhookOptions;
  private readonly dispatch: DeliveryDispatcher;
  private readonly hooks = new Map<string, Hook>();
  private readonly backlog = new Map<string, number>();
  private readonly droppedWarned = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    bus: EventBus,
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
    // Subscribed from construction so that events raised while the core opens are queued too;
    // they are sent once `start()` runs.
    this.unsubscribe = bus.subscribe((e) => this.onEvent(e));
  }

  /** Changes options (tests shorten the backoff); applies to attempts from now on. */
  configure(opts: Partial<WebhookOptions>): void {
    this.opts = { ...this.opts, ...opts };
    this.dispatch.pump();
  }

  /** Resumes the persisted queue: everything due is sent, the rest is scheduled. */
  start(): void {
    if (!this.closed) this.dispatch.start();
  }

  /** Stops dispatch: attempts in flight are cut off and stay queued for the next start. */
  async stop(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.dispatch.stop();
  }

  // --- CRUD -------------------------------------------------------------------------------

  list(): WebhookView[] {
    return [...this.hooks.values()].sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1)).map(viewOf);
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
        { sql: 'DELETE FROM webhooks WHERE id = ?', params: [id] },
      ],
      [{ type: 'webhook.deleted', actor, data: { webhook_id: id, name: hook.name, url: auditUrl(hook.url) } }],
    );
    this.hooks.delete(id);
    this.backlog.delete(id);
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
    const [row] = await this.enqueue(e, [hook], true);
    return deliveryOf(row!);
  }

  // --- dispatch ---------------------------------------------------------------------------

  private onEvent(e: EventEnvelope): void {
    if (this.closed) return;
    let targets: Hook[] | null = null;
    for (const h of this.hooks.values()) {
      if (h.enabled && (h.events.has('*') || h.events.has(e.event))) (targets ??= []).push(h);
    }
    if (!targets) return;
    this.enqueue(e, targets, false).catch((err: unknown) => {
      console.error(`gatehouse: webhook deliveries for ${e.event} ${e.id} could not be queued: ${(err as Error).message}`);
    });
  }

  private async enqueue(e: EventEnvelope, targets: Hook[], force: boolean): Promise<DeliveryRow[]> {
    const now = this.clock.now();
    const rows: DeliveryRow[] = [];
    for (const h of targets) {
      const queued = this.backlog.get(h.id) ?? 0;
      if (!force && queued >= this.opts.maxBacklog) {
        this.warnDropped(h, now);
        continue;
      }
      this.backlog.set(h.id, queued + 1);
      rows.push({
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
      });
    }
    if (rows.length === 0) return rows;
    try {
      await this.store.commit(rows.map(insertDeliveryOp));
    } catch (err) {
      for (const r of rows) this.settleBacklog(r.webhook_id);
      throw err;
    }
    this.dispatch.pump();
    return rows;
  }

  private warnDropped(h: Hook, now: number): void {
    if ((this.droppedWarned.get(h.id) ?? 0) > now - 3_600_000) return;
    this.droppedWarned.set(h.id, now);
    console.warn(
      `gatehouse: webhook ${h.id} has ${this.opts.maxBacklog} undelivered events queued; new events for it are dropped until it catches up`,
    );
  }

  /** A delivery finished (delivered, or failed for good): one fewer queued for its webhook. */
  private settleBacklog(hookId: string): void {
    const n = this.backlog.get(hookId);
    if (n !== undefined) this.backlog.set(hookId, Math.max(0, n - 1));
  }
}
