import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenStoreOptions, type SqliteStore } from '../../src-main/storage/store.js';
import type { AuditDraft, Op } from '../../src-main/storage/types.js';
import { ROLLUP_SLOT_MS, TALLIES, type Tally } from '../../src-main/storage/rollup.js';
import { expect } from 'vitest';

const dirs: string[] = [];

/** A fresh temporary directory, removed by `cleanupDirs()`. */
export function tempDir(prefix = 'gh-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

const opened: SqliteStore[] = [];

/** Opens the store of a data directory, quietly; `closeOpened()` (after each test) closes it if the test did not. */
export async function openTracked(dataDir: string, extra: Partial<OpenStoreOptions> = {}): Promise<SqliteStore> {
  const s = await openStore({ dataDir, log: () => undefined, ...extra });
  opened.push(s);
  return s;
}

/** A store the test closed itself: not closed again after it. */
export function forgetOpened(s: SqliteStore): void {
  const i = opened.indexOf(s);
  if (i >= 0) opened.splice(i, 1);
}

/** Closes every store `openTracked` opened, then removes the temporary directories. */
export async function closeOpened(): Promise<void> {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  cleanupDirs();
}

/**
 * A copy of a data directory as it is on disk right now: the database, its WAL and shared-memory
 * index, exactly what `kill -9` would leave (the store writes synchronously, so no write is half
 * done while this runs).
 */
export function crashCopy(dataDir: string): string {
  const d = tempDir('gh-crash-');
  cpSync(dataDir, d, { recursive: true });
  return d;
}

/** A realistic `action.decided` commit: the audit record plus the `actions` row the API writes. */
export function decided(
  i: number,
  over: Partial<{ agent: string; decision: string; level: string; resource: string; description: string }> = {},
): { ops: Op[]; audit: AuditDraft[] } {
  const agent = over.agent ?? `agent-${i % 7}`;
  const decision = over.decision ?? (['allowed', 'denied', 'pending'] as const)[i % 3]!;
  const level = over.level ?? (['low', 'medium', 'high', 'critical'] as const)[i % 4]!;
  const actionId = `act_test${String(i).padStart(8, '0')}`;
  const data = {
    agent_id: agent,
    action_type: i % 2 ? 'database.query' : 'file.write',
    resource: over.resource ?? `postgres://prod/table_${i % 13}`,
    description: over.description ?? `test action number ${i}`,
    parameters: { sql: `SELECT * FROM t WHERE id = ${i}` },
    decision,
    status: decision,
    risk: { score: (i * 7) % 100, level, factors: [{ id: 'base', points: 10, detail: 'verb' }] },
    policy: { id: 'pol-default', name: 'Default policy', effect: 'allow' },
    reason: `reason ${i}`,
  };
  return {
    ops: [
      {
        sql: 'INSERT INTO actions(action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        params: [actionId, 0, 1_700_000_000_000 + i, agent, data.action_type, data.resource, decision, decision, data.risk.score, level],
      },
    ],
    audit: [{ type: 'action.decided', actor: `agent:${agent}`, action_id: actionId, data }],
  };
}

/** decided(i, over) with its action row pointing at its record (the seq the store assigns), as the API writes it. */
export function linkedAction(
  i: number,
  over: Parameters<typeof decided>[1] = {},
): { ops: (records: { seq: number }[]) => Op[]; audit: AuditDraft[] } {
  const c = decided(i, over);
  const op = c.ops[0]!;
  return { ops: (records) => [{ sql: op.sql, params: [op.params![0]!, records[0]!.seq, ...op.params!.slice(2)] }], audit: c.audit };
}

/**
 * Makes the database genuinely full: caps it at its current size (`PRAGMA max_page_count`), then
 * commits ever smaller filler records until each size fails with SQLITE_FULL, so that no write
 * needing room can succeed any more. `setMaxPageCount(null)` is the disk getting room again.
 */
export async function fillToTheBrim(store: SqliteStore): Promise<void> {
  await store.setMaxPageCount(store.get<{ n: number }>('SELECT page_count AS n FROM pragma_page_count')!.n);
  for (const size of [65_536, 8_192, 1_024, 128, 1]) {
    for (let i = 0; i < 10_000; i++) {
      const ok = await store.commit([], [{ type: 'alert.triggered', actor: 'system', data: { filler: 'x'.repeat(size) } }]).then(
        () => true,
        () => false,
      );
      if (!ok) break;
    }
  }
}

/** Each table of the rollup, as stored, against the GROUP BY of the actions it stands for. */
export function expectRollupExact(conn: { all<T>(sql: string): T[] }): void {
  for (const t of Object.values(TALLIES) as Tally[]) {
    const cols = ['slot', ...t.columns].join(', ');
    const order = [...t.columns.keys(), t.columns.length].map((i) => i + 1).join(', ');
    const expected = conn.all(
      `SELECT created_ms / ${ROLLUP_SLOT_MS} AS slot, ${t
        .values('actions')
        .map((v, i) => `${v} AS ${t.columns[i]}`)
        .join(', ')}, COUNT(*) AS n
         FROM actions GROUP BY ${order} ORDER BY ${order}`,
    );
    expect(expected.length, t.table).toBeGreaterThan(0);
    expect(conn.all(`SELECT ${cols}, n FROM ${t.table} WHERE n <> 0 ORDER BY ${order}`), t.table).toEqual(expected);
  }
  expect(conn.all('SELECT created_ms, action_id, latency_ms FROM action_reviews ORDER BY 1, 2')).toEqual(
    conn.all(
      "SELECT created_ms, action_id, reviewed_ms - created_ms AS latency_ms FROM actions WHERE reviewed_by = 'user' AND reviewed_ms IS NOT NULL ORDER BY 1, 2",
    ),
  );
}
