import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EventEnvelope, EventName } from '../../src-shared/index.js';
import type { Op, Store } from '../storage/types.js';
import { eventNamesOf, eventRecordsIn, eventsOfRecord } from './record-events.js';
import type { Hook } from './webhook-rows.js';

/** Records (by seq) one slice of a pass reads: a range scan of the primary key, a few ms. */
const SLICE_SEQS = 1_000;
/** How often the log is checked; a pass covers the records up to the head seen at the previous check. */
export const RECOVERY_TICK_MS = 60_000;
const CURSOR_KEY = 'webhook_seq';

/** What the recovery asks of the webhook service. */
export interface RecoveryHost<P> {
  hooks(): Iterable<Hook>;
  /** A live delivery of this event is being committed right now (the recovery leaves it alone). */
  inFlight(hookId: string, seq: number, event: EventName): boolean;
  /** Queues `e` (record `seq`) for `targets` (or counts it as dropped) together with `extra` ops, in one commit. */
  queue(e: EventEnvelope, seq: number, targets: Hook[]): P;
  commit(plans: P[], extra: Op[]): Promise<void>;
}

const subscribes = (h: Hook, event: EventName) => h.events.has('*') || h.events.has(event);
const keyOf = (hookId: string, seq: number, event: string) => `${hookId}\n${seq}\n${event}`;

/**
 * SPEC 7.4 / 8: an event that was acknowledged is never lost for a webhook. The live path queues a
 * delivery after the record is durable, in a commit of its own; a crash (or a failed write) between
 * the two would lose it. So the webhook queue also follows the audit log from a persisted cursor
 * (meta `webhook_seq`: every record up to it has its deliveries queued): at start, over the records
 * the previous process wrote after it, and every minute over those a minute old, it queues the
 * deliveries that are missing (`delivery_sources` says which exist), with the event made again from
 * the record (record-events.ts: same id and name), then moves the cursor. Work is done in slices of
 * 1,000 seqs with a turn of the event loop between them.
 */
export class WebhookRecovery<P> {
  private cursor: number;
  private fresh: boolean;
  private lastSeen: number;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly host: RecoveryHost<P>,
  ) {
    const head = store.head().seq;
    const row = store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [CURSOR_KEY]);
    // A database without the cursor (new, or of an earlier release) starts from its head: the
    // history before it was never queued and is not replayed.
    this.fresh = row === undefined;
    this.cursor = row ? Number(row.value) : head;
    this.lastSeen = head;
  }

  /** The records at or below it have every delivery queued. */
  get through(): number {
    return this.cursor;
  }

  /** Catches up with what the previous process left (records up to the head now), then checks every minute. */
  start(): void {
    if (this.timer || this.stopped) return;
    void this.catchUp(this.lastSeen);
    this.timer = setInterval(() => {
      const bound = this.lastSeen;
      this.lastSeen = this.store.head().seq;
      void this.catchUp(bound);
    }, RECOVERY_TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** Queues the missing deliveries of the records up to `bound` (default: the head). Passes run one at a time. */
  catchUp(bound = this.store.head().seq): Promise<void> {
    this.pass = this.pass
      .then(() => this.run(bound))
      .catch((err: unknown) => {
        console.error(`gatehouse: webhook deliveries could not be recovered from the audit log: ${(err as Error).message}`);
      });
    return this.pass;
  }

  private async run(bound: number): Promise<void> {
    const from = this.cursor;
    if (bound <= from) {
      if (this.fresh) await this.host.commit([], [this.cursorOp(from)]);
      this.fresh = false;
      return;
    }
    let lo = from;
    while (lo < bound && !this.stopped) {
      const hi = Math.min(bound, lo + SLICE_SEQS);
      const plans = this.slice(lo, hi);
      if (plans.length > 0) await this.host.commit(plans, [this.cursorOp(hi)]);
      lo = hi;
      if (lo < bound) await yieldToLoop();
    }
    // The cursor is durable; the keys at or below the previous one are no longer needed (the
    // previous pass's are kept: a live delivery may still be on its way for them).
    const prune = [...this.host.hooks()].map((h): Op => ({
      sql: 'DELETE FROM delivery_sources WHERE webhook_id = ? AND audit_seq <= ?',
      params: [h.id, from],
    }));
    await this.host.commit([], [this.cursorOp(lo), ...prune]);
    this.cursor = lo;
    this.fresh = false;
  }

  /** The deliveries missing for the records in (lo, hi]. */
  private slice(lo: number, hi: number): P[] {
    const hooks = [...this.host.hooks()].filter((h) => h.enabled);
    if (hooks.length === 0) return [];
    const rows = eventRecordsIn(this.store, lo + 1, hi);
    if (rows.length === 0) return [];
    const queued = new Set<string>();
    for (const h of hooks) {
      for (const s of this.store.all<{ audit_seq: number; event: string }>(
        'SELECT audit_seq, event FROM delivery_sources WHERE webhook_id = ? AND audit_seq > ? AND audit_seq <= ?',
        [h.id, lo, hi],
      )) {
        queued.add(keyOf(h.id, s.audit_seq, s.event));
      }
    }
    const plans: P[] = [];
    for (const r of rows) {
      let made: EventEnvelope[] | null = null;
      for (const event of eventNamesOf(r)) {
        const targets = hooks.filter(
          (h) =>
            subscribes(h, event) &&
            r.ts_ms >= h.createdMs &&
            !queued.has(keyOf(h.id, r.seq, event)) &&
            !this.host.inFlight(h.id, r.seq, event),
        );
        if (targets.length === 0) continue;
        made ??= eventsOfRecord(this.store, r);
        const e = made.find((m) => m.event === event);
        if (e) plans.push(this.host.queue(e, r.seq, targets));
      }
    }
    return plans;
  }

  private cursorOp(seq: number): Op {
    return { sql: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', params: [CURSOR_KEY, String(seq)] };
  }
}

export { keyOf as deliveryKeyOf };
