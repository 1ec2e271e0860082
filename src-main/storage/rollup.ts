import type { Connection } from './sqlite.js';

/**
 * The Dashboard's counts (SPEC 5 `/api/v1/stats`), kept as the actions are written: per half hour of
 * creation (`slot`), actions by current status with risk level and verdict at submit, by agent and
 * by type (`TALLIES`, a table each), and each human answer's latency (`action_reviews`). Triggers on
 * `actions` keep them in the transaction that changes the action (schema.ts), so a Dashboard over a
 * month reads a few thousand rows instead of every action of the month: the statistics of a window
 * of a million actions took 3-4 s warm and 10-14 s from a cold disk, each query a scan of them all.
 *
 * One table per dimension, keyed by the slot first: a transaction's 32 actions then land on the few
 * pages that hold the current slot's rows of each. A single table keyed by every dimension at once
 * spread them over ~20 pages, each written whole to the WAL at every commit: the writer's time per
 * record grew by ~20 % (bench/write-variants.ts, no-fts against no-fts-no-rollup, alternated).
 *
 * A database of an earlier schema already holds actions: opening it sets meta `rollup_floor` to one
 * past their highest seq. The triggers count only actions at or above the floor, and the writer
 * counts the older ones in the background, a slice of seqs below the floor at a time, lowering the
 * floor in the same transaction (`extendRollup`). Every action is thus counted exactly once, whatever
 * changes meanwhile; the statistics use the rollup once the floor is gone, the actions until then.
 */

/** A slot is half an hour: the Dashboard's windows of a day or more have buckets of 30 min, 4 h and 12 h. */
export const ROLLUP_SLOT_MS = 1_800_000;

/** SQL: the seq from which the triggers count (0 once every action is in the rollup). */
export const ROLLUP_FLOOR = "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rollup_floor'), 0)";

/** SQL: an action's verdict at submit, as the timeline shows it: `held` for approval, else its decision. */
export const verdict = (row: string): string => `CASE WHEN ${row}.approval_id IS NULL THEN ${row}.decision ELSE 'held' END`;

/** One dimension of the rollup: its table, its columns besides `slot` and `n`, and their values for an action row. */
export interface Tally {
  table: string;
  columns: readonly string[];
  values: (row: string) => string[];
}

export const TALLIES = {
  status: {
    table: 'action_slot_status',
    columns: ['status', 'risk_level', 'verdict'],
    values: (row: string) => [`${row}.status`, `${row}.risk_level`, verdict(row)],
  },
  agents: { table: 'action_slot_agents', columns: ['agent_id'], values: (row: string) => [`${row}.agent_id`] },
  types: { table: 'action_slot_types', columns: ['action_type'], values: (row: string) => [`${row}.action_type`] },
} satisfies Record<string, Tally>;

const key = (t: Tally) => `(slot, ${t.columns.join(', ')})`;
const slotOf = (row: string) => `${row}.created_ms / ${ROLLUP_SLOT_MS}`;

/** SQL statement (for a trigger): adds `delta` to the tally of the action `row` (NEW or OLD). */
export const tallyAdd = (t: Tally, row: 'NEW' | 'OLD', delta: 1 | -1): string =>
  `INSERT INTO ${t.table} (slot, ${t.columns.join(', ')}, n) VALUES (${slotOf(row)}, ${t.values(row).join(', ')}, ${delta}) ` +
  `ON CONFLICT ${key(t)} DO UPDATE SET n = n + ${delta};`;

/** SQL statement (for a trigger): the review latency of the action NEW, if a person answered it. */
export const REVIEW_ADD =
  "INSERT INTO action_reviews (created_ms, action_id, latency_ms) SELECT NEW.created_ms, NEW.action_id, NEW.reviewed_ms - NEW.created_ms WHERE NEW.reviewed_by = 'user' AND NEW.reviewed_ms IS NOT NULL;";

/**
 * Run where the schema is applied, before the rollup's tables exist: an earlier schema's actions
 * are left to the background count (see above). Nothing to do for a new database.
 */
export function floorForExistingActions(conn: Connection): void {
  if (conn.get("SELECT 1 FROM sqlite_schema WHERE name = 'action_slot_status'")) return;
  if (!conn.get("SELECT 1 FROM sqlite_schema WHERE name = 'actions'")) return;
  const top = conn.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM actions')?.seq ?? null;
  if (top !== null) conn.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('rollup_floor', ?)", [String(top + 1)]);
}

/** The floor (see above): null once every action is counted in the rollup. */
export function rollupFloor(db: { get<T>(sql: string, params?: []): T | undefined }): number | null {
  const row = db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'rollup_floor'");
  return row ? Number(row.value) : null;
}

/**
 * Counts the actions of seqs [floor − `span`, floor) into the rollup and lowers the floor to one
 * past the next action below them, or removes it when none is left: the writer thread's slice,
 * inside its transaction. Returns the floor left (null: done).
 */
export function extendRollup(conn: Connection, span: number): number | null {
  const floor = rollupFloor(conn);
  if (floor === null) return null;
  const lo = Math.max(0, floor - span);
  for (const t of Object.values(TALLIES) as Tally[]) {
    const n = t.columns.length + 1;
    conn.run(
      `INSERT INTO ${t.table} (slot, ${t.columns.join(', ')}, n)
         SELECT ${slotOf('actions')}, ${t.values('actions').join(', ')}, COUNT(*) FROM actions INDEXED BY actions_seq
          WHERE seq >= ? AND seq < ? GROUP BY ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}
       ON CONFLICT ${key(t)} DO UPDATE SET n = n + excluded.n`,
      [lo, floor],
    );
  }
  conn.run(
    `INSERT INTO action_reviews (created_ms, action_id, latency_ms)
       SELECT created_ms, action_id, reviewed_ms - created_ms FROM actions INDEXED BY actions_seq
        WHERE seq >= ? AND seq < ? AND reviewed_by = 'user' AND reviewed_ms IS NOT NULL`,
    [lo, floor],
  );
  const below = conn.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM actions WHERE seq < ?', [lo])?.seq ?? null;
  if (below === null) {
    conn.run("DELETE FROM meta WHERE key = 'rollup_floor'");
    return null;
  }
  conn.run("UPDATE meta SET value = ? WHERE key = 'rollup_floor'", [String(below + 1)]);
  return below + 1;
}
