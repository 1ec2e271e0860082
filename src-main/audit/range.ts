import type { PageReads } from '../storage/types.js';

/**
 * Turns a since/until time window into a seq range. The store never lets audit timestamps go
 * backwards along the chain, so the records of a window are exactly a contiguous run of seq; two
 * lookups on the `audit_ts` index find its ends, and every other index (all are `(column, seq)`)
 * can then be walked inside it. `lo > hi` means the window is empty.
 */
export function seqRange(store: PageReads, since?: string | number, until?: string | number): { lo: number; hi: number } {
  const head = store.head().seq;
  let lo = store.archiveHead().seq + 1; // archived records are not in the live log (SPEC 7.7)
  let hi = head;
  if (since !== undefined) {
    const ms = typeof since === 'number' ? since : Date.parse(since);
    const r = store.get<{ seq: number }>('SELECT seq FROM audit WHERE ts_ms >= ? ORDER BY ts_ms, seq LIMIT 1', [ms]);
    lo = Math.max(lo, r ? r.seq : head + 1);
  }
  if (until !== undefined) {
    const ms = typeof until === 'number' ? until : Date.parse(until);
    const r = store.get<{ seq: number }>('SELECT seq FROM audit WHERE ts_ms > ? ORDER BY ts_ms, seq LIMIT 1', [ms]);
    hi = Math.min(head, r ? r.seq - 1 : head);
  }
  return { lo, hi };
}
