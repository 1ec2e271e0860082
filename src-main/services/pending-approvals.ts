// The pending approvals this process tracks (each one's deadlines and agent), the long-polls waiting
// for one to change, and the one timer set for the soonest deadline.
import type { Clock } from '../core/clock.js';

export interface Tracked {
  /** The action's overall approval deadline. */
  expires: number;
  agentId: string;
  /** SPEC 11: the deadline of the current workflow step (null: no workflow). */
  stepDeadline: number | null;
}

/** When the timer must look at a tracked action next. */
export const dueAt = (t: Tracked): number => (t.stepDeadline === null ? t.expires : Math.min(t.expires, t.stepDeadline));

/**
 * The tracked pending actions by id. An answer, a withdrawal or an expiry claims one synchronously
 * by deleting it (whichever comes first wins) and tracks it again if its commit fails. Expiry is
 * one timer for the soonest deadline (`onDue` runs then); the deadlines live in the database, so
 * a restart tracks them again.
 */
export class PendingApprovals extends Map<string, Tracked> {
  private readonly waiters = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => Promise<void>,
  ) {
    super();
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  track(actionId: string, expires: number, agentId: string, stepDeadline: number | null = null): void {
    this.set(actionId, { expires, agentId, stepDeadline });
    this.schedule();
  }

  /** Resolves when the action's status changes, after `ms`, or when `signal` aborts, whichever is first. */
  waitForChange(actionId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.has(actionId) || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(actionId) ?? new Set();
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(actionId);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      this.waiters.set(actionId, set);
    });
  }

  /** Wakes the long-polls waiting on the action. */
  wake(actionId: string): void {
    const set = this.waiters.get(actionId);
    if (!set) return;
    for (const w of [...set]) w();
  }

  /** Sets the one timer for the soonest deadline of all tracked actions (none when none is tracked). */
  schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let soonest = Infinity;
    for (const t of this.values()) soonest = Math.min(soonest, dueAt(t));
    if (soonest === Infinity) return;
    const delay = Math.max(0, Math.min(soonest - this.clock.now(), 2_147_000_000));
    this.timer = setTimeout(() => void this.onDue(), delay);
    this.timer.unref();
  }
}
