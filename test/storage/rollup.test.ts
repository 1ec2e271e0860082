import { afterEach, describe, expect, it } from 'vitest';
import type { Stats } from '../../src-shared/index.js';
import { computeStats, WINDOWS, type StatsWindow } from '../../src-main/services/stats.js';
import { openDatabase } from '../../src-main/storage/database.js';
import { extendRollup, ROLLUP_SLOT_MS, rollupFloor } from '../../src-main/storage/rollup.js';
import { SCHEMA_VERSION } from '../../src-main/storage/schema.js';
import { sqlite, type Connection } from '../../src-main/storage/sqlite.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import { closeOpened, expectRollupExact, openTracked, tempDir } from './helpers.js';

afterEach(closeOpened);

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const DAY = 86_400_000;
const AGENTS = ['claude-code', 'codex', 'cursor', 'etl', 'b-bot', 'a-bot'];
const TYPES = ['file.read', 'file.write', 'shell.exec', 'database.delete', 'http.request'];
const LEVELS = ['low', 'medium', 'high', 'critical'];

/** A small deterministic PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

interface ActionFields {
  action_id: string;
  seq: number;
  created_ms: number;
  agent_id: string;
  action_type: string;
  decision: string;
  status: string;
  risk_level: string;
  approval_id: string | null;
  approved: number | null;
  reviewed_by: string | null;
  reviewed_ms: number | null;
}

/** A new action as the API writes it: allowed, denied, or held for approval (pending). */
function newAction(r: () => number, i: number, seq: number, created: number): ActionFields {
  const verdict = pick(r, ['allowed', 'allowed', 'denied', 'pending'] as const);
  return {
    action_id: `act_${String(i).padStart(6, '0')}`,
    seq,
    created_ms: created,
    agent_id: pick(r, AGENTS),
    action_type: pick(r, TYPES),
    decision: verdict,
    status: verdict,
    risk_level: pick(r, LEVELS),
    approval_id: verdict === 'pending' ? `apr_${i}` : null,
    approved: null,
    reviewed_by: null,
    reviewed_ms: null,
  };
}

const INSERT =
  'INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level, approval_id) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 50, ?, ?)';
const insertParams = (a: ActionFields) => [
  a.action_id,
  a.seq,
  a.created_ms,
  a.agent_id,
  a.action_type,
  a.decision,
  a.status,
  a.risk_level,
  a.approval_id,
];

/** The lifecycle step the API would take next for an action (SPEC 2.3), as SQL; null when it has none. */
function nextStep(
  r: () => number,
  a: { action_id: string; status: string; created_ms: number },
): { sql: string; params: (string | number)[] } | null {
  const at = a.created_ms + 1_000 + Math.floor(r() * 600_000);
  if (a.status === 'pending') {
    const how = pick(r, ['approved', 'rejected', 'expired', 'withdrawn'] as const);
    if (how === 'approved' || how === 'rejected')
      return {
        sql: "UPDATE actions SET status = ?, decision = ?, approved = ?, reviewed_by = 'user', reviewed_ms = ? WHERE action_id = ?",
        params: [how, how === 'approved' ? 'allowed' : 'denied', how === 'approved' ? 1 : 0, at, a.action_id],
      };
    if (how === 'expired')
      return {
        sql: "UPDATE actions SET status = 'expired', decision = 'denied', reviewed_by = 'timeout', reviewed_ms = ? WHERE action_id = ?",
        params: [at, a.action_id],
      };
    return {
      sql: "UPDATE actions SET status = 'withdrawn', decision = 'denied', reviewed_ms = ? WHERE action_id = ?",
      params: [at, a.action_id],
    };
  }
  if (a.status === 'allowed' || a.status === 'approved')
    return {
      sql: 'UPDATE actions SET status = ?, completed_ms = ? WHERE action_id = ?',
      params: [pick(r, ['completed', 'failed']), at, a.action_id],
    };
  return null;
}

/** As a schema 5 database was: no rollup. */
const DROP_ROLLUP =
  'DROP TRIGGER actions_rollup_insert; DROP TRIGGER actions_review_insert; DROP TRIGGER actions_rollup_status; DROP TRIGGER actions_rollup_names; ' +
  'DROP TRIGGER actions_review_update; DROP TRIGGER actions_rollup_delete; DROP TABLE action_slot_status; DROP TABLE action_slot_agents; ' +
  'DROP TABLE action_slot_types; DROP TABLE action_reviews; PRAGMA user_version = 5';

/** Random work on `actions` as the API does it: new actions, lifecycle steps, now and then a delete. */
function churn(conn: Connection, r: () => number, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const roll = r();
    if (roll < 0.5) {
      conn.run(INSERT, insertParams(newAction(r, i, 3 * i, T0 + Math.floor(r() * 3 * DAY))));
      continue;
    }
    const victim = conn.get<{ action_id: string; status: string; created_ms: number }>(
      'SELECT action_id, status, created_ms FROM actions ORDER BY random() LIMIT 1',
    );
    if (!victim) continue;
    if (roll < 0.53) conn.run('DELETE FROM actions WHERE action_id = ?', [victim.action_id]);
    else {
      const step = nextStep(r, victim);
      if (step) conn.run(step.sql, step.params);
    }
  }
}

describe('the Dashboard rollup (storage/rollup.ts)', () => {
  it('equals a GROUP BY of the actions after inserts, every lifecycle step and deletes', () => {
    const conn = openDatabase(`${tempDir()}/gatehouse.sqlite`);
    try {
      const r = rng(7);
      for (let round = 0; round < 4; round++) {
        churn(conn, r, round * 500, 500);
        expectRollupExact(conn);
      }
      expect(conn.all<{ status: string }>('SELECT DISTINCT status FROM actions ORDER BY 1').map((x) => x.status)).toEqual([
        'allowed',
        'approved',
        'completed',
        'denied',
        'expired',
        'failed',
        'pending',
        'rejected',
        'withdrawn',
      ]);
      expect(rollupFloor(conn)).toBeNull();
    } finally {
      conn.close();
    }
  });

  it("counts an older schema's actions in slices, each once, while they keep changing", () => {
    const dir = tempDir();
    const path = `${dir}/gatehouse.sqlite`;
    let conn = openDatabase(path);
    const r = rng(11);
    churn(conn, r, 0, 900);
    conn.exec(DROP_ROLLUP);
    const top = conn.get<{ seq: number }>('SELECT MAX(seq) AS seq FROM actions')!.seq;
    conn.close();
    conn = openDatabase(path);
    try {
      expect(conn.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')!.v).toBe(SCHEMA_VERSION);
      expect(rollupFloor(conn)).toBe(top + 1);
      let floor: number | null = top + 1;
      let slices = 0;
      let i = 900;
      while (floor !== null) {
        // Between slices, the API goes on: new actions above the floor, steps and deletes on both sides of it.
        churn(conn, r, i, 7);
        i += 7;
        const next: number | null = extendRollup(conn, 25);
        if (next !== null) expect(next).toBeLessThan(floor);
        floor = next;
        slices++;
      }
      expect(slices).toBeGreaterThan(20);
      expect(rollupFloor(conn)).toBeNull();
      expectRollupExact(conn);
      // From here on the triggers count everything.
      churn(conn, r, i, 300);
      expectRollupExact(conn);
    } finally {
      conn.close();
    }
  });

  it('a new database has no floor: every action is counted by the triggers', () => {
    const conn = openDatabase(`${tempDir()}/gatehouse.sqlite`);
    try {
      expect(rollupFloor(conn)).toBeNull();
      expect(extendRollup(conn, 100)).toBeNull();
    } finally {
      conn.close();
    }
  });
});

/** SPEC 5's statistics computed the plain way, in JS, from every action row: the oracle. */
function oracle(rows: ActionFields[], window: StatsWindow, now: number): Omit<Stats, 'window' | 'pending_approvals'> {
  const { ms, bucketMs } = WINDOWS[window];
  const since = now - ms;
  const inWin = rows.filter((a) => a.created_ms >= since && a.created_ms <= now);
  const count = (key: (a: ActionFields) => string) => {
    const m = new Map<string, number>();
    for (const a of inWin) m.set(key(a), (m.get(key(a)) ?? 0) + 1);
    return m;
  };
  const topOf = (key: (a: ActionFields) => string) => [...count(key)].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 10);
  const statuses = count((a) => a.status);
  const levels = count((a) => a.risk_level);
  const first = Math.floor(since / bucketMs) * bucketMs;
  const timeline: Stats['timeline'] = [];
  for (let t = first; t <= now; t += bucketMs) {
    const inB = inWin.filter((a) => a.created_ms >= t && a.created_ms < t + bucketMs);
    timeline.push({
      t: new Date(t).toISOString(),
      allowed: inB.filter((a) => !a.approval_id && a.decision === 'allowed').length,
      denied: inB.filter((a) => !a.approval_id && a.decision === 'denied').length,
      pending: inB.filter((a) => a.approval_id).length,
    });
  }
  const answered = inWin.filter((a) => a.reviewed_by === 'user' && a.reviewed_ms !== null);
  const lat = answered.map((a) => a.reviewed_ms! - a.created_ms).sort((x, y) => x - y);
  const rank = (p: number) => lat[Math.max(0, Math.ceil(p * lat.length) - 1)]! / 1000;
  const st = (k: string) => statuses.get(k) ?? 0;
  return {
    since: new Date(since).toISOString(),
    until: new Date(now).toISOString(),
    bucket_s: bucketMs / 1000,
    totals: {
      total: inWin.length,
      allowed: st('allowed'),
      denied: st('denied'),
      pending: st('pending'),
      approved: st('approved'),
      rejected: st('rejected'),
      expired: st('expired'),
      withdrawn: st('withdrawn'),
      completed: st('completed'),
      failed: st('failed'),
    },
    expired_allowed: inWin.filter((a) => a.status === 'expired' && a.decision === 'allowed').length,
    by_risk_level: {
      low: levels.get('low') ?? 0,
      medium: levels.get('medium') ?? 0,
      high: levels.get('high') ?? 0,
      critical: levels.get('critical') ?? 0,
    },
    by_agent: topOf((a) => a.agent_id).map(([agent_id, c]) => ({ agent_id, count: c })),
    by_action_type: topOf((a) => a.action_type).map(([action_type, c]) => ({ action_type, count: c })),
    timeline,
    approval_latency: lat.length
      ? { count: lat.length, p50_s: rank(0.5), p90_s: rank(0.9), max_s: lat[lat.length - 1]! / 1000 }
      : { count: 0, p50_s: null, p90_s: null, max_s: null },
    answers: {
      approved: answered.filter((a) => a.approved === 1).length,
      rejected: answered.filter((a) => a.approved === 0).length,
    },
  };
}

/** Commits `n` actions over 40 days before T0 + 40 days, then lifecycle steps for most of them, through the store. */
async function fill(store: SqliteStore, r: () => number, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const created = T0 + Math.floor(r() * 40 * DAY);
    await store.commit(
      (recs) => [{ sql: INSERT, params: insertParams(newAction(r, i, recs[0]!.seq, created)) }],
      [{ type: 'action.decided', actor: 'agent:test', action_id: `act_${String(i).padStart(6, '0')}`, data: { i } }],
    );
  }
  await steps(store, r, 0.7);
}

async function steps(store: SqliteStore, r: () => number, share: number): Promise<void> {
  for (const a of store.all<{ action_id: string; status: string; created_ms: number }>(
    'SELECT action_id, status, created_ms FROM actions',
  )) {
    if (r() > share) continue;
    const step = nextStep(r, a);
    if (step) await store.commit([step], []);
  }
}

const rowsOf = (store: SqliteStore) =>
  store.all<ActionFields>(
    'SELECT action_id, seq, created_ms, agent_id, action_type, decision, status, risk_level, approval_id, approved, reviewed_by, reviewed_ms FROM actions',
  );

/** Window ends: mid-slot, on a slot's edge, a ms before one, and past every action. */
const NOWS = [T0 + 20 * DAY + 1_234_567, T0 + 10 * DAY, T0 + 35 * DAY - 1, T0 + 60 * DAY + 17];

async function expectStatsAsOracle(store: SqliteStore): Promise<void> {
  const rows = rowsOf(store);
  for (const now of NOWS)
    for (const w of Object.keys(WINDOWS) as StatsWindow[]) {
      const { window: _w, pending_approvals: _p, ...got } = await computeStats(store, w, now, 0);
      expect(got, `${w} ending ${new Date(now).toISOString()}`).toEqual(oracle(rows, w, now));
    }
}

describe('GET /api/v1/stats from the rollup (services/stats.ts)', () => {
  it('answers what the actions themselves say, for every window, at window ends on and off the half hours', async () => {
    const store = await openTracked(tempDir());
    const r = rng(3);
    await fill(store, r, 1500);
    expect(rowsOf(store).some((a) => a.reviewed_by === 'user')).toBe(true);
    // The rollup is what the windows of a day or more read: a wrong count there shows in them.
    expect(store.get<{ n: number }>('SELECT COUNT(*) AS n FROM action_slot_status')!.n).toBeGreaterThan(100);
    expectRollupExact(store);
    await expectStatsAsOracle(store);
  });

  it("an older data dir's actions are counted in the background; the statistics are exact before, during and after", async () => {
    const dir = tempDir();
    let store = await openTracked(dir);
    const r = rng(5);
    await fill(store, r, 600);
    await store.close();
    const db = new (sqlite().DatabaseSync)(`${dir}/gatehouse.sqlite`);
    db.exec(DROP_ROLLUP);
    db.close();
    store = await openTracked(dir, { rollupSpan: 40 });
    // Counting has started in the background, in slices of 40 seqs; statistics read the actions until it ends.
    expect(rollupFloor(store)).not.toBeNull();
    await expectStatsAsOracle(store);
    const more = fill(store, r, 200, 600);
    await Promise.all([store.catchUpRollup(), more]);
    expect(rollupFloor(store)).toBeNull();
    expectRollupExact(store);
    await expectStatsAsOracle(store);
  });
});

describe('closing while the count runs', () => {
  it('stops the background count at the close, quietly; the next start goes on from the floor', async () => {
    const dir = tempDir();
    let store = await openTracked(dir);
    await fill(store, rng(13), 300);
    await store.close();
    const db = new (sqlite().DatabaseSync)(`${dir}/gatehouse.sqlite`);
    db.exec(DROP_ROLLUP);
    db.close();
    const logged: string[] = [];
    store = await openTracked(dir, { rollupSpan: 1, log: (m) => logged.push(m) });
    const counting = store.catchUpRollup();
    await new Promise((r) => setTimeout(r, 50));
    const floor = rollupFloor(store);
    expect(floor).not.toBeNull(); // one seq a slice: far from done
    await store.close();
    await counting; // resolves: a close is not a failure
    expect(logged.filter((m) => /counting actions/.test(m))).toEqual([]);
    store = await openTracked(dir, { rollupSpan: 64 });
    expect(rollupFloor(store)).toBeLessThanOrEqual(floor!);
    await store.catchUpRollup();
    expectRollupExact(store);
  });
});

describe('where the statistics are read', () => {
  it('a window read from the rollup is answered on the calling thread: it visits a few rows, not its actions', async () => {
    const store = await openTracked(tempDir(), { offloadMinRows: 2000 });
    const r = rng(9);
    const slot = Math.floor((T0 + 5 * DAY) / ROLLUP_SLOT_MS) * ROLLUP_SLOT_MS;
    // 94 × 32 actions within one half hour, committed 32 at a time.
    const N = 94 * 32;
    for (let i = 0; i < N; i += 32)
      await Promise.all(
        Array.from({ length: 32 }, (_, k) =>
          store.commit(
            (recs) => [{ sql: INSERT, params: insertParams(newAction(r, i + k, recs[0]!.seq, slot + ((i + k) % ROLLUP_SLOT_MS))) }],
            [{ type: 'action.decided', actor: 'agent:test', action_id: `act_${String(i + k).padStart(6, '0')}`, data: {} }],
          ),
        ),
      );
    const hints: number[] = [];
    const allAsync = store.allAsync.bind(store);
    store.allAsync = ((sql: string, params: never[], opts?: { rowsHint?: number }) => {
      hints.push(opts?.rowsHint ?? 0);
      return allAsync(sql, params, opts);
    }) as typeof store.allAsync;
    const rows = rowsOf(store);
    const now = slot + DAY;
    for (const w of ['24h', '7d', '30d'] as const) {
      hints.length = 0;
      const { window: _w, pending_approvals: _p, ...got } = await computeStats(store, w, now, 0);
      expect(got.totals.total).toBe(N); // every action of the half hour
      expect(got).toEqual(oracle(rows, w, now));
      expect(Math.max(...hints), w).toBeLessThan(200);
    }
    // Read from the actions (buckets of 10 minutes), the same window visits all of them: the read thread's work.
    hints.length = 0;
    await computeStats(store, '6h', slot + 3_600_000, 0);
    expect(Math.min(...hints)).toBeGreaterThanOrEqual(N);
  });
});
