import type { z } from 'zod';
import { zeroCounts, type DecisionCounts, type RiskLevel, type Stats, type StatsQuerySchema } from '../../src-shared/index.js';
import { iso } from '../core/clock.js';
import { ROLLUP_SLOT_MS, rollupFloor, TALLIES, verdict, type Tally } from '../storage/rollup.js';
import type { Store } from '../storage/types.js';

export type StatsWindow = z.output<typeof StatsQuerySchema>['window'];

const HOUR = 3_600_000;

/** Window length and timeline bucket per window: 30–60 buckets each. */
export const WINDOWS: Record<StatsWindow, { ms: number; bucketMs: number }> = {
  '1h': { ms: HOUR, bucketMs: 60_000 }, // 60 × 1 min
  '6h': { ms: 6 * HOUR, bucketMs: 10 * 60_000 }, // 36 × 10 min
  '24h': { ms: 24 * HOUR, bucketMs: 30 * 60_000 }, // 48 × 30 min
  '7d': { ms: 7 * 24 * HOUR, bucketMs: 4 * HOUR }, // 42 × 4 h
  '30d': { ms: 30 * 24 * HOUR, bucketMs: 12 * HOUR }, // 60 × 12 h
};

const TOP_N = 10;
const STATUSES = ['allowed', 'denied', 'pending', 'approved', 'rejected', 'expired', 'withdrawn', 'completed', 'failed'] as const;
const LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];

/** Actions created in the window (a range of `actions_created`). */
const IN_WINDOW = 'created_ms >= ? AND created_ms <= ?';

/**
 * Dashboard statistics over `actions` (SPEC 5 `/api/v1/stats`):
 *
 * - `totals`: actions created in the window by their current `status`; `expired_allowed`: those of
 *   them expired whose timeout allowed them;
 * - `by_risk_level`, `by_agent`, `by_action_type` (top 10): actions created in the window;
 * - `timeline`: per bucket (aligned to multiples of `bucket_s`), the decision each action got
 *   **at submit time**: `pending` = held for approval (it has an approval id), else its
 *   `allowed` / `denied` verdict (those never change after submit);
 * - `approval_latency`: over actions in the window answered by a person (`reviewed_by = 'user'`),
 *   `reviewed − created`, nearest-rank p50/p90 and max, in seconds;
 * - `pending_approvals`: waiting right now (not windowed).
 *
 * Windows of a day or more are read from the rollup kept beside the actions (storage/rollup.ts): the
 * half hours wholly inside the window from its tables, the part of the first half hour inside it
 * from the actions themselves, and latencies from `action_reviews`; each figure is one SQL statement,
 * so it reads one snapshot. Shorter windows (buckets of 1 and 10 minutes), and every window while an
 * older database's actions are still being counted into the rollup, are read from `actions`. A window
 * can hold a million actions: read from them, the queries then run on the store's read worker
 * (`allAsync` with the rows they visit as the hint, `windowHint`), never holding the event loop.
 */
export async function computeStats(store: Store, window: StatsWindow, nowMs: number, pendingApprovals: number): Promise<Stats> {
  const { ms, bucketMs } = WINDOWS[window];
  const since = nowMs - ms;
  const rolled = rollupFloor(store) === null;
  const slots = rolled && bucketMs % ROLLUP_SLOT_MS === 0;
  const q = hinted(store, windowHint(store, since, nowMs, slots));
  const rows = (t: Tally): WindowRows => (slots ? fromRollup(t, since, nowMs) : fromActions(since, nowMs));

  const totals: DecisionCounts = zeroCounts();
  const byRisk: Record<RiskLevel, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const statusRows = rows(TALLIES.status);
  for (const r of await q<{ status: string; risk_level: string; n: number }>(
    `SELECT status, risk_level, SUM(n) AS n FROM (${statusRows.sql}) GROUP BY status, risk_level HAVING SUM(n) <> 0`,
    statusRows.params,
  )) {
    totals.total += r.n;
    if ((STATUSES as readonly string[]).includes(r.status)) totals[r.status as (typeof STATUSES)[number]] += r.n;
    if ((LEVELS as readonly string[]).includes(r.risk_level)) byRisk[r.risk_level as RiskLevel] += r.n;
  }

  const top = <K extends 'agent_id' | 'action_type'>(col: K, t: Tally) => {
    const from = rows(t);
    return q<Record<K, string> & { count: number }>(
      `SELECT ${col}, SUM(n) AS count FROM (${from.sql}) GROUP BY ${col} HAVING SUM(n) > 0 ORDER BY count DESC, ${col} ASC LIMIT ${TOP_N}`,
      from.params,
    );
  };

  return {
    window,
    since: iso(since),
    until: iso(nowMs),
    bucket_s: bucketMs / 1000,
    totals,
    expired_allowed: await expiredAllowed(q, since, nowMs),
    pending_approvals: pendingApprovals,
    by_risk_level: byRisk,
    by_agent: (await top('agent_id', TALLIES.agents)).map((r) => ({ agent_id: r.agent_id, count: r.count })),
    by_action_type: (await top('action_type', TALLIES.types)).map((r) => ({ action_type: r.action_type, count: r.count })),
    timeline: await timeline(q, statusRows, since, nowMs, bucketMs),
    approval_latency: await approvalLatency(q, rolled ? REVIEWS : ACTION_REVIEWS, since, nowMs),
    answers: await answers(q, rolled ? REVIEWS : ACTION_REVIEWS, since, nowMs),
  };
}

/**
 * The window's actions as rows with a time `t`, the columns a query groups by and a count `n`: each
 * action counted once, `t` its creation time or its half hour's start (the same bucket: every bucket
 * of a window read from the rollup is a whole number of half hours).
 */
interface WindowRows {
  sql: string;
  params: number[];
}

/** Straight from `actions`: every column any query groups by. */
function fromActions(since: number, until: number): WindowRows {
  return {
    sql: `SELECT created_ms AS t, status, risk_level, ${verdict('actions')} AS verdict, agent_id, action_type, 1 AS n FROM actions WHERE ${IN_WINDOW}`,
    params: [since, until],
  };
}

/**
 * From one table of the rollup: every half hour from the first that starts inside the window, plus
 * the actions of the window before it, less the actions the rollup counted that were created after
 * the window's end (none, but for a commit that lands while the statement starts).
 */
function fromRollup(t: Tally, since: number, until: number): WindowRows {
  const firstSlot = Math.ceil(since / ROLLUP_SLOT_MS);
  const slotStart = firstSlot * ROLLUP_SLOT_MS;
  const cols = t.columns.join(', ');
  const values = t
    .values('actions')
    .map((v, i) => `${v} AS ${t.columns[i]}`)
    .join(', ');
  return {
    sql: `SELECT slot * ${ROLLUP_SLOT_MS} AS t, ${cols}, n FROM ${t.table} WHERE slot >= ?
          UNION ALL SELECT created_ms AS t, ${values}, 1 AS n FROM actions WHERE created_ms >= ? AND created_ms < ?
          UNION ALL SELECT created_ms / ${ROLLUP_SLOT_MS} * ${ROLLUP_SLOT_MS} AS t, ${values}, -1 AS n FROM actions
            WHERE created_ms > ? AND created_ms >= ?`,
    params: [firstSlot, since, slotStart, until, slotStart],
  };
}

type WindowQuery = <T>(sql: string, params: (number | string)[]) => Promise<T[]>;

/** Queries with `rowsHint`: the rows they visit at most, which decides where the store runs them. */
function hinted(store: Store, rowsHint: number): WindowQuery {
  return <T>(sql: string, params: (number | string)[]) => store.allAsync<T>(sql, params, { rowsHint });
}

/** The seq of the first action created at or after `ms` (the head's next seq if none). */
function firstSeqFrom(store: Store, ms: number): number {
  const row = store.get<{ seq: number }>('SELECT seq FROM actions WHERE created_ms >= ? ORDER BY created_ms, seq LIMIT 1', [ms]);
  return row ? row.seq : store.head().seq + 1;
}

/**
 * Rollup rows counted at most, in all, to bound a hint: a count visits them on this thread (~1 ms
 * per 20,000 here), and past the store's default threshold (20,000) the answer no longer changes.
 */
const HINT_CAP = 20_000;

/**
 * An upper bound of the rows the window's queries visit: its actions (their seqs run from the first
 * of them to the head) or, read from the rollup, the rollup's rows in it plus the actions of its
 * first partial half hour and any created after its end. A window of a million actions read from
 * the rollup visits a few thousand rows: the store then runs its queries here, at once, rather than
 * on the read thread, which would first have to start (~0.2 s) when it has been idle.
 */
function windowHint(store: Store, since: number, until: number, fromSlots: boolean): number {
  const first = firstSeqFrom(store, since);
  const all = Math.max(0, store.head().seq - first + 1);
  if (!fromSlots) return all;
  const slotStart = Math.ceil(since / ROLLUP_SLOT_MS) * ROLLUP_SLOT_MS;
  const edge = Math.max(0, firstSeqFrom(store, slotStart) - first);
  const after = Math.max(0, store.head().seq - firstSeqFrom(store, until + 1) + 1);
  let tallied = 0;
  for (const t of Object.values(TALLIES) as Tally[]) {
    if (tallied >= HINT_CAP) break;
    tallied += store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${t.table} WHERE slot >= ? LIMIT ?)`, [
      Math.ceil(since / ROLLUP_SLOT_MS),
      HINT_CAP - tallied,
    ])!.n;
  }
  return Math.min(all, edge + after + tallied);
}

async function timeline(q: WindowQuery, rows: WindowRows, since: number, until: number, bucketMs: number): Promise<Stats['timeline']> {
  const first = Math.floor(since / bucketMs) * bucketMs;
  const counts = await q<{ b: number; allowed: number; denied: number; pending: number }>(
    `SELECT CAST((t - ?) / ? AS INTEGER) AS b,
            SUM(CASE WHEN verdict = 'allowed' THEN n ELSE 0 END) AS allowed,
            SUM(CASE WHEN verdict = 'denied' THEN n ELSE 0 END) AS denied,
            SUM(CASE WHEN verdict = 'held' THEN n ELSE 0 END) AS pending
       FROM (${rows.sql}) GROUP BY b`,
    [first, bucketMs, ...rows.params],
  );
  const byBucket = new Map(counts.map((r) => [r.b, r]));
  const out: Stats['timeline'] = [];
  for (let b = 0, t = first; t <= until; b++, t += bucketMs) {
    const r = byBucket.get(b);
    out.push({ t: iso(t), allowed: r?.allowed ?? 0, denied: r?.denied ?? 0, pending: r?.pending ?? 0 });
  }
  return out;
}

/** Where the human answers are read: the rollup's table, or the actions themselves. */
interface Reviews {
  /** Rows with columns `d` (the latency in ms) and `action_id` for params [since, until]. */
  sql: string;
}
const REVIEWS: Reviews = { sql: `SELECT latency_ms AS d, action_id FROM action_reviews WHERE ${IN_WINDOW}` };
const ACTION_REVIEWS: Reviews = {
  sql: `SELECT reviewed_ms - created_ms AS d, action_id FROM actions WHERE ${IN_WINDOW} AND reviewed_by = 'user' AND reviewed_ms IS NOT NULL`,
};

/**
 * Expired actions of the window that ran anyway (`timeout_action: allow`): few, read by
 * `actions_status`. Named, because left to itself SQLite takes `actions_decision` (the same shape,
 * `decision = ? AND created_ms` range) and walks every allowed action of the window: 0.6 s on the
 * main thread at 1M (the rollup's small hint keeps the statistics there).
 */
export const EXPIRED_ALLOWED_SQL = `SELECT COUNT(*) AS n FROM actions INDEXED BY actions_status
  WHERE status = 'expired' AND decision = 'allowed' AND ${IN_WINDOW}`;

async function expiredAllowed(q: WindowQuery, since: number, until: number): Promise<number> {
  const [r] = await q<{ n: number }>(EXPIRED_ALLOWED_SQL, [since, until]);
  return r?.n ?? 0;
}

/** The human answers by answer: each looked up in `actions` by its id (a window holds few of them). */
async function answers(q: WindowQuery, reviews: Reviews, since: number, until: number): Promise<Stats['answers']> {
  const [r] = await q<{ approved: number | null; rejected: number | null }>(
    `SELECT SUM(a.approved = 1) AS approved, SUM(a.approved = 0) AS rejected
       FROM (${reviews.sql}) AS r JOIN actions AS a ON a.action_id = r.action_id`,
    [since, until],
  );
  return { approved: r?.approved ?? 0, rejected: r?.rejected ?? 0 };
}

async function approvalLatency(q: WindowQuery, reviews: Reviews, since: number, until: number): Promise<Stats['approval_latency']> {
  const [agg] = await q<{ n: number; max: number | null }>(`SELECT COUNT(*) AS n, MAX(d) AS max FROM (${reviews.sql})`, [since, until]);
  const n = agg?.n ?? 0;
  if (n === 0) return { count: 0, p50_s: null, p90_s: null, max_s: null };
  const rank = async (p: number) => {
    const offset = Math.max(0, Math.ceil(p * n) - 1);
    const [r] = await q<{ d: number }>(`SELECT d FROM (${reviews.sql}) ORDER BY d ASC LIMIT 1 OFFSET ?`, [since, until, offset]);
    return r ? seconds(r.d) : null;
  };
  return { count: n, p50_s: await rank(0.5), p90_s: await rank(0.9), max_s: agg?.max == null ? null : seconds(agg.max) };
}

const seconds = (ms: number): number => Math.round(Math.max(0, ms)) / 1000;
