import type { AbArm, AbArmReport } from '../../src-shared/index.js';
import type { AbOutcome } from '../engine/types.js';
import type { Op, Store } from '../storage/types.js';

/** The `ab_tests` and `ab_test_actions` tables (storage/schema.ts): every statement that reads or writes them. */
export interface AbTestRow {
  id: string;
  name: string;
  description: string | null;
  control_policy: string;
  test_policy: string;
  traffic_split: number;
  duration_days: number;
  started_ms: number;
  ends_ms: number;
  stopped_ms: number | null;
}

export function abTestRows(store: Store): AbTestRow[] {
  return store.all<AbTestRow>('SELECT * FROM ab_tests ORDER BY started_ms DESC, id');
}

export function abTestRow(store: Store, id: string): AbTestRow | undefined {
  return store.get<AbTestRow>('SELECT * FROM ab_tests WHERE id = ?', [id]);
}

export const insertAbTestOp = (r: AbTestRow): Op => ({
  sql: `INSERT INTO ab_tests (id, name, description, control_policy, test_policy, traffic_split, duration_days, started_ms, ends_ms, stopped_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  params: [
    r.id,
    r.name,
    r.description,
    r.control_policy,
    r.test_policy,
    r.traffic_split,
    r.duration_days,
    r.started_ms,
    r.ends_ms,
    r.stopped_ms,
  ],
});

export const stopAbTestOp = (id: string, now: number): Op => ({
  sql: 'UPDATE ab_tests SET stopped_ms = ? WHERE id = ? AND stopped_ms IS NULL',
  params: [now, id],
});

/** The arm an action was decided in, written in the action's own commit. */
export const insertAbActionOp = (ab: AbOutcome, actionId: string, decision: string, now: number): Op => ({
  sql: 'INSERT INTO ab_test_actions (test_id, action_id, arm, decision, other_decision, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
  params: [ab.id, actionId, ab.arm, decision, ab.other_arm_decision, now],
});

interface ArmCounts {
  arm: AbArm;
  actions: number;
  allowed: number;
  denied: number;
  pending: number;
  asked: number;
  differ: number;
  answered: number;
  approved: number;
}

const emptyReport = (): AbArmReport => ({
  actions: 0,
  decisions: { allowed: 0, denied: 0, pending: 0 },
  approvals_asked: 0,
  approvals_answered: 0,
  approved: 0,
  approval_rate: null,
  median_approval_latency_ms: null,
  other_arm_would_differ: 0,
});

/** A person's answer: the actions held in this arm that a user approved or rejected (a workflow's final answer included). */
const ANSWERED = "t.decision = 'pending' AND a.reviewed_by = 'user' AND a.reviewed_ms IS NOT NULL";

/**
 * The report's reads visit every action of the test (a week of a busy agent's reads can be 100,000
 * rows: ~60 ms per 20,000 measured on the main thread), so they always run on the read thread.
 */
const offloaded = <T>(store: Store, sql: string, params: (string | number)[]): Promise<T[]> =>
  store.allAsync<T>(sql, params, { rowsHint: Number.MAX_SAFE_INTEGER });

async function medianLatency(store: Store, testId: string, arm: AbArm, n: number): Promise<number | null> {
  if (n === 0) return null;
  const sql = `SELECT a.reviewed_ms - a.created_ms AS ms FROM ab_test_actions t JOIN actions a ON a.action_id = t.action_id
               WHERE t.test_id = ? AND t.arm = ? AND ${ANSWERED} ORDER BY ms LIMIT ? OFFSET ?`;
  const mid = await offloaded<{ ms: number }>(store, sql, [testId, arm, n % 2 === 0 ? 2 : 1, Math.floor((n - 1) / 2)]);
  if (!mid.length) return null;
  return mid.reduce((sum, r) => sum + r.ms, 0) / mid.length;
}

/**
 * Per-arm numbers of a test (SPEC 12), counted by SQL over the test's own rows (the `ab_test_actions`
 * key, then each action by its key: never a scan of all actions). `decisions` counts each action's
 * final decision (`actions.decision`, which a person's answer, a timeout or a withdrawal updates);
 * `approvals_asked` and `other_arm_would_differ` the decision at submit (`ab_test_actions.decision`).
 */
export async function armReports(store: Store, testId: string): Promise<Record<AbArm, AbArmReport>> {
  const rows = await offloaded<ArmCounts>(
    store,
    `SELECT t.arm AS arm, COUNT(*) AS actions,
            SUM(a.decision = 'allowed') AS allowed, SUM(a.decision = 'denied') AS denied, SUM(a.decision = 'pending') AS pending,
            SUM(t.decision = 'pending') AS asked, SUM(t.decision <> t.other_decision) AS differ,
            SUM(${ANSWERED}) AS answered, SUM(${ANSWERED} AND a.approved = 1) AS approved
       FROM ab_test_actions t JOIN actions a ON a.action_id = t.action_id
      WHERE t.test_id = ? GROUP BY t.arm`,
    [testId],
  );
  const out: Record<AbArm, AbArmReport> = { control: emptyReport(), test: emptyReport() };
  for (const r of rows) {
    out[r.arm] = {
      actions: r.actions,
      decisions: { allowed: r.allowed, denied: r.denied, pending: r.pending },
      approvals_asked: r.asked,
      approvals_answered: r.answered,
      approved: r.approved,
      approval_rate: r.answered ? r.approved / r.answered : null,
      median_approval_latency_ms: await medianLatency(store, testId, r.arm, r.answered),
      other_arm_would_differ: r.differ,
    };
  }
  return out;
}
