import { z } from 'zod';
import {
  VERSION,
  type Delivery,
  type DeliveryQuery,
  type EventEnvelope,
  type WebhookCreateSchema,
  type WebhookView,
} from '../../src-shared/index.js';
import { iso, type Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { conflict, invalidField, notFound } from '../core/errors.js';
import type { Op, Store } from '../storage/types.js';
import type { EventBus } from './bus.js';
import { nextAfterFailure, scheduleBackoff, type BackoffPolicy } from './webhook-backoff.js';
import { deliveryBody } from './webhook-format.js';
import { postOnce, type AttemptResult, type FetchFn } from './webhook-http.js';
import {
  attemptsOf,
  auditUrl,
  deliveryOf,
  hookOf,
  insertDeliveryOp,
  insertWebhookOp,
  updateDeliveryOp,
  viewOf,
  type DeliveryRow,
  type Hook,
  type WebhookRow,
} from './webhook-rows.js';
import { signatureOf, unixSeconds } from './webhook-signature.js';

export interface WebhookOptions {
  /** Retry schedule and give-up age (SPEC 7.4: 24 h). Injectable for tests. */
  backoff: BackoffPolicy;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts in flight at once, over all webhooks / per webhook. */
  concurrency: number;
  perHookConcurrency: number;
  /** Undelivered deliveries one webhook may have queued; events beyond it are dropped (and logged). */
  maxBacklog: number;
  /** Finished (delivered/failed) deliveries are kept this long, and at most this many per webhook. */
  retainMs: number;
  retainPerHook: number;
  /** After a failed write of a result, attempts pause this long (the disk is failing). */
  storagePauseMs: number;
  fetch: FetchFn;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  backoff: scheduleBackoff(),
  timeoutMs: 10_000,
  concurrency: 4,
  perHookConcurrency: 2,
  maxBacklog: 10_000,
  retainMs: 7 * 86_400_000,
  retainPerHook: 1_000,
  storagePauseMs: 5_000,
  fetch: (url, init) => fetch(url, init),
};

export const MAX_WEBHOOKS = 50;
const PRUNE_EVERY_MS = 3_600_000;
const MAX_TIMER_MS = 3_600_000;
const DUE_BATCH = 64;
const OPEN_STATUSES = ['pending', 'retrying'] as const;

export type WebhookInput = z.output<typeof WebhookCreateSchema>;

const CURSOR = /^(\d{1,16})\.(dlv_[a-z0-9]{1,40})$/;

/**
 * Webhooks (SPEC 7.4). Every bus event that a webhook subscribes to becomes a `deliveries` row
 * (journaled, so the queue survives restarts), then is POSTed with the seeds' signature. Failed
 * attempts are retried with backoff until 24 h after creation. The database is the queue: only
 * the attempts in flight are held in memory, and nothing here ever runs inside the request that
 * raised the event (the bus listener only schedules work).
 */
export class WebhookService {
  private opts: WebhookOptions;
  private readonly hooks = new Map<string, Hook>();
  private readonly backlog = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly perHook = new Map<string, number>();
  private readonly droppedWarned = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private stopCtrl = new AbortController();
  private running = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pausedUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    bus: EventBus,
    opts: Partial<WebhookOptions> = {},
  ) {
    this.opts = { ...DEFAULT_WEBHOOK_OPTIONS, ...opts };
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
    this.pump();
  }

  /** Resumes the persisted queue: everything due is sent, the rest is scheduled. */
  start(): void {
    if (this.closed || this.running) return;
    this.running = true;
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.pump();
  }

  /** Stops dispatch: attempts in flight are cut off and stay queued for the next start. */
  async stop(): Promise<void> {
    this.closed = true;
    this.running = false;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timer = null;
    this.stopCtrl.abort();
    await Promise.allSettled([...this.inflight.values()]);
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
      name: body.name ?? null,
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
    this.pump();
    return rows;
  }

  private warnDropped(h: Hook, now: number): void {
    if ((this.droppedWarned.get(h.id) ?? 0) > now - 3_600_000) return;
    this.droppedWarned.set(h.id, now);
    console.warn(
      `gatehouse: webhook ${h.id} has ${this.opts.maxBacklog} undelivered events queued; new events for it are dropped until it catches up`,
    );
  }

  private settleBacklog(hookId: string): void {
    const n = this.backlog.get(hookId);
    if (n !== undefined) this.backlog.set(hookId, Math.max(0, n - 1));
  }

  /** Starts every due attempt that fits the concurrency limits, then arms the timer for the next. */
  private pump(): void {
    if (!this.running) return;
    const now = this.clock.now();
    if (now < this.pausedUntil) {
      this.arm(this.pausedUntil);
      return;
    }
    if (this.inflight.size < this.opts.concurrency) {
      for (const d of this.due(now)) {
        if (this.inflight.size >= this.opts.concurrency) break;
        if (this.inflight.has(d.id) || (this.perHook.get(d.webhook_id) ?? 0) >= this.opts.perHookConcurrency) continue;
        this.launch(d.id, d.webhook_id);
      }
    }
    const next = this.nextDueAfter(now);
    if (next !== null) this.arm(next);
  }

  private due(now: number): { id: string; webhook_id: string; next_ms: number }[] {
    const rows = OPEN_STATUSES.flatMap((s) =>
      this.store.all<{ id: string; webhook_id: string; next_ms: number }>(
        'SELECT id, webhook_id, next_ms FROM deliveries WHERE status = ? AND next_ms <= ? ORDER BY next_ms LIMIT ?',
        [s, now, DUE_BATCH],
      ),
    );
    return rows.sort((a, b) => a.next_ms - b.next_ms);
  }

  private nextDueAfter(now: number): number | null {
    let next: number | null = null;
    for (const s of OPEN_STATUSES) {
      const r = this.store.get<{ m: number | null }>('SELECT MIN(next_ms) AS m FROM deliveries WHERE status = ? AND next_ms > ?', [s, now]);
      if (r?.m != null && (next === null || r.m < next)) next = r.m;
    }
    return next;
  }

  private arm(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, delay);
    this.timer.unref();
  }

  private launch(id: string, hookId: string): void {
    this.perHook.set(hookId, (this.perHook.get(hookId) ?? 0) + 1);
    const p = this.attempt(id)
      .catch((err: unknown) => console.error(`gatehouse: webhook delivery ${id} failed unexpectedly: ${(err as Error).message}`))
      .finally(() => {
        this.inflight.delete(id);
        const n = (this.perHook.get(hookId) ?? 1) - 1;
        if (n > 0) this.perHook.set(hookId, n);
        else this.perHook.delete(hookId);
        this.pump();
      });
    this.inflight.set(id, p);
  }

  private headers(hook: Hook, row: DeliveryRow, ts: number): Record<string, string> {
    const h: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': `Gatehouse/${VERSION}`,
      'X-Request-Timestamp': String(ts),
      'X-Gatehouse-Event': row.event,
      'X-Gatehouse-Delivery': row.id,
    };
    if (hook.secret !== null) h['X-Signature'] = signatureOf(hook.secret, ts, row.body);
    return h;
  }

  private async attempt(id: string): Promise<void> {
    const row = this.store.get<DeliveryRow>('SELECT * FROM deliveries WHERE id = ?', [id]);
    if (!row || (row.status !== 'pending' && row.status !== 'retrying')) return;
    const hook = this.hooks.get(row.webhook_id);
    if (!hook) return; // deleted: its deliveries went with it
    const startedMs = this.clock.now();
    const stop = this.stopCtrl.signal;
    const result = await postOnce(
      this.opts.fetch,
      hook.url,
      row.body,
      this.headers(hook, row, unixSeconds(startedMs)),
      this.opts.timeoutMs,
      stop,
    );
    // Cut off by shutdown: not an attempt the receiver answered; it is resumed on the next start.
    if (stop.aborted && result.status === null) return;
    const next = this.afterAttempt(row, result, startedMs);
    try {
      await this.store.commit([updateDeliveryOp(next)]);
    } catch {
      this.pausedUntil = this.clock.now() + this.opts.storagePauseMs;
      return;
    }
    if (next.status === 'delivered' || next.status === 'failed') this.settleBacklog(row.webhook_id);
  }

  private afterAttempt(row: DeliveryRow, r: AttemptResult, startedMs: number): DeliveryRow {
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    const log = [...attemptsOf(row), { at: iso(startedMs), response_status: r.status, error: r.error, duration_ms: r.durationMs }];
    const base = { ...row, attempts, attempt_log: JSON.stringify(log) };
    if (r.ok) return { ...base, status: 'delivered', next_ms: null, delivered_ms: now };
    const step = nextAfterFailure(this.opts.backoff, attempts, row.created_ms, now);
    return { ...base, status: step.status, next_ms: step.nextMs };
  }

  /** Drops finished deliveries older than the retention, or beyond the newest N per webhook. */
  private prune(): void {
    const ageCutoff = this.clock.now() - this.opts.retainMs;
    const ops: Op[] = [];
    for (const id of this.hooks.keys()) {
      const nth = this.store.get<{ created_ms: number }>(
        "SELECT created_ms FROM deliveries WHERE webhook_id = ? AND status IN ('delivered', 'failed') ORDER BY created_ms DESC LIMIT 1 OFFSET ?",
        [id, this.opts.retainPerHook],
      );
      const cutoff = Math.max(ageCutoff, nth ? nth.created_ms + 1 : -Infinity);
      const any = this.store.get(
        "SELECT 1 AS x FROM deliveries WHERE webhook_id = ? AND created_ms < ? AND status IN ('delivered', 'failed') LIMIT 1",
        [id, cutoff],
      );
      if (any)
        ops.push({
          sql: "DELETE FROM deliveries WHERE webhook_id = ? AND created_ms < ? AND status IN ('delivered', 'failed')",
          params: [id, cutoff],
        });
    }
    if (ops.length) this.store.commit(ops).catch(() => undefined);
  }
}
