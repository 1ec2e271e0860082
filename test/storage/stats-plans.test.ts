// SPEC 8: statistics over big windows never hold the event loop. With the rollup, the stats' small
// row hint keeps their statements on the main thread, so each must walk an index bounded by what it
// counts: left to itself SQLite counted the expired-but-allowed actions through `actions_decision`,
// i.e. every allowed action of the window (0.6 s on the main thread at 1M in the storage bench).
import { afterEach, describe, expect, it } from 'vitest';
import { computeStats, EXPIRED_ALLOWED_SQL, WINDOWS } from '../../src-main/services/stats.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import type { SqlValue } from '../../src-main/storage/types.js';
import { closeOpened, openTracked, tempDir } from './helpers.js';

afterEach(closeOpened);

/** The store, recording the plan SQLite chose for every statement the stats run. */
function planned(s: SqliteStore): { store: SqliteStore; plans: Map<string, string> } {
  const plans = new Map<string, string>();
  const note = (sql: string, params: SqlValue[] = []) =>
    plans.set(
      sql,
      s
        .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)
        .map((r) => r.detail)
        .join(' | '),
    );
  const store = Object.create(s, {
    get: { value: (sql: string, params?: SqlValue[]) => (note(sql, params), s.get(sql, params)) },
    all: { value: (sql: string, params?: SqlValue[]) => (note(sql, params), s.all(sql, params)) },
    allAsync: { value: (sql: string, params?: SqlValue[], o?: { rowsHint?: number }) => (note(sql, params), s.allAsync(sql, params, o)) },
  }) as SqliteStore;
  return { store, plans };
}

describe('statistics statements', () => {
  it('count the expired actions that ran through the status index, in every window', async () => {
    const { store, plans } = planned(await openTracked(tempDir()));
    for (const w of Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]) await computeStats(store, w, Date.now(), 0);
    expect(plans.get(EXPIRED_ALLOWED_SQL)).toMatch(
      /^SEARCH actions USING (COVERING )?INDEX actions_status \(status=\? AND created_ms>\? AND created_ms<\?\)$/,
    );
    // No statement of the stats reads the whole actions table.
    for (const [sql, plan] of plans) expect(plan, sql).not.toMatch(/SCAN actions(?! USING)/);
  });
});
