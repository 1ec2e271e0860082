import type { z } from 'zod';
import { zeroCounts, type DecisionCounts, type RiskLevel, type Stats, type StatsQuerySchema } from '../../src-shared/index.js';
import { iso } from '../core/clock.js';
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

/** Rows created in the window: every query below is a range scan of `actions_created`. */
const IN_WINDOW = 'created_ms >= ? AND created_ms <= ?';

/**
 * Dashboard statistics over `actions` (SPEC 5 `/api/v1/stats`), computed with a handful of SQL
 * aggregates (no per-row work in JS):
 *
 * - `totals`: actions created in the window by their current `status`;
 * - `by_risk_level`, `by_agent`, `by_action_type` (top 10): actions created in the window;
 * - `timeline`: per bucket (aligned to multiples of `bucket_s`), the decision each action got
 *   **at submit time**: `pending` = held for approval (it has an approval id), else its
 *   `allowed` / `denied` verdict (those never change after submit);
 * - `approval_latency`: over actions in the window answered by a person (`reviewed_by = 'user'`),
 *   `reviewed − created`, nearest-rank p50/p90 and max, in seconds;
 * - `pending_approvals`: waiting right now (not windowed).
 *
 * A window can hold a million actions: the aggregates then run on the store's read worker
 * (`allAsync` with the window's size as the hint), never holding the event loop.
 */
export async function computeStats(store: Store, window: StatsWindow, nowMs: number, pendingApprovals: number): Promise<Stats> {
  const { ms, bucketMs } = WINDOWS[window];
  const since = nowMs - ms;
  const range = [since, nowMs];
  const q = windowQuery(store, since);

  const totals: DecisionCounts = zeroCounts();
  const byRisk: Record<RiskLevel, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const r of await q<{ status: string; risk_level: string; n: number }>(
    `SELECT status, risk_level, COUNT(*) AS n FROM actions WHERE ${IN_WINDOW} GROUP BY status, risk_level`,
    range,
  )) {
    totals.total += r.n;
    if ((STATUSES as readonly string[]).includes(r.status)) totals[r.status as (typeof STATUSES)[number]] += r.n;
    if ((LEVELS as readonly string[]).includes(r.risk_level)) byRisk[r.risk_level as RiskLevel] += r.n;
  }

  const top = <K extends 'agent_id' | 'action_type'>(col: K) =>
    q<Record<K, string> & { count: number }>(
      `SELECT ${col}, COUNT(*) AS count FROM actions WHERE ${IN_WINDOW} GROUP BY ${col} ORDER BY count DESC, ${col} ASC LIMIT ${TOP_N}`,
      range,
    );

  return {
    window,
    since: iso(since),
    until: iso(nowMs),
    bucket_s: bucketMs / 1000,
    totals,
    pending_approvals: pendingApprovals,
    by_risk_level: byRisk,
    by_agent: (await top('agent_id')).map((r) => ({ agent_id: r.agent_id, count: r.count })),
    by_action_type: (await top('action_type')).map((r) => ({ action_type: r.action_type, count: r.count })),
    timeline: await timeline(q, since, nowMs, bucketMs),
    approval_latency: await approvalLatency(q, since, nowMs),
  };
}

type WindowQuery = <T>(sql: string, params: (number | string)[]) => Promise<T[]>;

/**
 * Queries over the window's rows, with an upper bound of their number as the hint: the actions
 * created since `since` have seqs from the first of them to the head.
 */
function windowQuery(store: Store, since: number): WindowQuery {
  const first = store.get<{ seq: number }>('SELECT seq FROM actions WHERE created_ms >= ? ORDER BY created_ms, seq LIMIT 1', [since]);
  const rowsHint = first ? Math.max(0, store.head().seq - first.seq + 1) : 0;
  return <T>(sql: string, params: (number | string)[]) => store.allAsync<T>(sql, params, { rowsHint });
}

async function timeline(q: WindowQuery, since: number, until: number, bucketMs: number): Promise<Stats['timeline']> {
  const first = Math.floor(since / bucketMs) * bucketMs;
  const rows = await q<{ b: number; allowed: number; denied: number; pending: number }>(
    `SELECT CAST((created_ms - ?) / ? AS INTEGER) AS b,
            SUM(CASE WHEN approval_id IS NULL AND decision = 'allowed' THEN 1 ELSE 0 END) AS allowed,
            SUM(CASE WHEN approval_id IS NULL AND decision = 'denied' THEN 1 ELSE 0 END) AS denied,
            SUM(CASE WHEN approval_id IS NOT NULL THEN 1 ELSE 0 END) AS pending
       FROM actions WHERE ${IN_WINDOW} GROUP BY b`,
    [first, bucketMs, since, until],
  );
  const byBucket = new Map(rows.map((r) => [r.b, r]));
  const out: Stats['timeline'] = [];
  for (let b = 0, t = first; t <= until; b++, t += bucketMs) {
    const r = byBucket.get(b);
    out.push({ t: iso(t), allowed: r?.allowed ?? 0, denied: r?.denied ?? 0, pending: r?.pending ?? 0 });
  }
  return out;
}

async function approvalLatency(q: WindowQuery, since: number, until: number): Promise<Stats['approval_latency']> {
  const where = `${IN_WINDOW} AND reviewed_by = 'user' AND reviewed_ms IS NOT NULL`;
  const [agg] = await q<{ n: number; max: number | null }>(
    `SELECT COUNT(*) AS n, MAX(reviewed_ms - created_ms) AS max FROM actions WHERE ${where}`,
    [since, until],
  );
  const n = agg?.n ?? 0;
  if (n === 0) return { count: 0, p50_s: null, p90_s: null, max_s: null };
  const rank = async (p: number) => {
    const offset = Math.max(0, Math.ceil(p * n) - 1);
    const [r] = await q<{ d: number }>(`SELECT reviewed_ms - created_ms AS d FROM actions WHERE ${where} ORDER BY d ASC LIMIT 1 OFFSET ?`, [
      since,
      until,
      offset,
    ]);
    return r ? seconds(r.d) : null;
  };
  return { count: n, p50_s: await rank(0.5), p90_s: await rank(0.9), max_s: agg?.max == null ? null : seconds(agg.max) };
}

const seconds = (ms: number): number => Math.round(Math.max(0, ms)) / 1000;
