import { VERSION } from '../../src-shared/index.js';
import { maskSecrets } from '../../src-shared/secrets.js';
import { iso, type Clock } from '../core/clock.js';
import type { Op, Store } from '../storage/types.js';
import { nextAfterFailure, scheduleBackoff, type BackoffPolicy } from './webhook-backoff.js';
import { postOnce, type AttemptResult, type FetchFn } from './webhook-http.js';
import { attemptsOf, updateDeliveryOp, type DeliveryRow, type Hook } from './webhook-rows.js';
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

const PRUNE_EVERY_MS = 3_600_000;
const MAX_TIMER_MS = 3_600_000;
const DUE_BATCH = 64;
const OPEN_STATUSES = ['pending', 'retrying'] as const;

/** What the dispatcher reads from the webhook service. */
export interface DispatchSource {
  options(): WebhookOptions;
  hook(id: string): Hook | undefined;
  hookIds(): Iterable<string>;
  /** A delivery reached a final state (delivered or failed). */
  settled(hookId: string): void;
}

/**
 * Sends the queued deliveries (the `deliveries` table is the queue): every due attempt that fits
 * the concurrency limits starts, one timer waits for the next due one, results are committed, and
 * old finished deliveries are pruned hourly. Only attempts in flight are held in memory.
 */
export class DeliveryDispatcher {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly perHook = new Map<string, number>();
  private stopCtrl = new AbortController();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pausedUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly source: DispatchSource,
  ) {}

  private get opts(): WebhookOptions {
    return this.source.options();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.pump();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timer = null;
    this.stopCtrl.abort();
    await Promise.allSettled([...this.inflight.values()]);
  }

  /** Starts every due attempt that fits the concurrency limits, then arms the timer for the next. */
  pump(): void {
    if (!this.running) return;
    const now = this.clock.now();
    if (now < this.pausedUntil) {
      this.arm(this.pausedUntil);
      return;
    }
    // A webhook that reaches its limit leaves the batch, so the next one is read without its backlog.
    let launched = true;
    while (launched && this.inflight.size < this.opts.concurrency) {
      launched = false;
      const busy = [...this.perHook].filter(([, n]) => n >= this.opts.perHookConcurrency).map(([id]) => id);
      for (const d of this.due(now, busy)) {
        if (this.inflight.size >= this.opts.concurrency) break;
        if (this.inflight.has(d.id) || (this.perHook.get(d.webhook_id) ?? 0) >= this.opts.perHookConcurrency) continue;
        this.launch(d.id, d.webhook_id);
        launched = true;
      }
    }
    const next = this.nextDueAfter(now);
    if (next !== null) this.arm(next);
  }

  /**
   * The oldest due deliveries, leaving out the webhooks that have all the attempts in flight they
   * may: a slow receiver's backlog must not fill the batch and hold up every other webhook.
   */
  private due(now: number, busyHooks: readonly string[]): { id: string; webhook_id: string; next_ms: number }[] {
    const notBusy = busyHooks.length ? ` AND webhook_id NOT IN (${busyHooks.map(() => '?').join(', ')})` : '';
    const rows = OPEN_STATUSES.flatMap((s) =>
      this.store.all<{ id: string; webhook_id: string; next_ms: number }>(
        `SELECT id, webhook_id, next_ms FROM deliveries WHERE status = ? AND next_ms <= ?${notBusy} ORDER BY next_ms LIMIT ?`,
        [s, now, ...busyHooks, DUE_BATCH],
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
    const hook = this.source.hook(row.webhook_id);
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
    if (next.status === 'delivered' || next.status === 'failed') this.source.settled(row.webhook_id);
  }

  private afterAttempt(row: DeliveryRow, r: AttemptResult, startedMs: number): DeliveryRow {
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    // The error quotes the receiver's answer, which can echo what it was sent or hold its own secrets.
    const error = r.error === null ? null : maskSecrets(r.error);
    const log = [...attemptsOf(row), { at: iso(startedMs), response_status: r.status, error, duration_ms: r.durationMs }];
    const base = { ...row, attempts, attempt_log: JSON.stringify(log) };
    if (r.ok) return { ...base, status: 'delivered', next_ms: null, delivered_ms: now };
    const step = nextAfterFailure(this.opts.backoff, attempts, row.created_ms, now);
    return { ...base, status: step.status, next_ms: step.nextMs };
  }

  /** Drops finished deliveries older than the retention, or beyond the newest N per webhook. */
  private prune(): void {
    const ageCutoff = this.clock.now() - this.opts.retainMs;
    const ops: Op[] = [];
    for (const id of this.source.hookIds()) {
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
