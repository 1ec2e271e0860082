import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseSync } from 'node:sqlite';
import { agentRecordSeqs } from '../../src-main/audit/agent-records.js';
import { queryAudit } from '../../src-main/audit/query.js';
import { listActions } from '../../src-main/services/action-list.js';
import { heldActionFor, topActionTypes } from '../../src-main/services/action-rows.js';
import { derivedReach } from '../../src-main/storage/derived-reach.js';
import { sqlite } from '../../src-main/storage/sqlite.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import { closeOpened, forgetOpened, linkedAction, openTracked, tempDir } from './helpers.js';

// Schema 5 (storage/schema.ts): an agent's records are found through `fts.audit_agent`, which the
// indexer thread writes a step behind the log; what it has not reached yet is read from the live
// table. Every answer must be what a plain scan of the live table gives, on both sides of that line.

const held: DatabaseSync[] = [];
const open = (dataDir: string) => openTracked(dataDir);
afterEach(async () => {
  for (const db of held.splice(0)) db.close();
  await closeOpened();
});

/** decided(i) with its action row pointing at its record, as the API writes it. */
const action = (i: number, agent = `agent-${i % 5}`) => linkedAction(i, { agent });

async function logOf(count: number): Promise<string> {
  const dir = tempDir();
  const s = await open(dir);
  await Promise.all(Array.from({ length: count }, (_, k) => s.commit(action(k + 1).ops, action(k + 1).audit)));
  // A record of no agent, between them.
  await s.commit([], [{ type: 'settings.changed', actor: 'user', data: { enforcement: 'monitor' } }]);
  await s.fullTextReady();
  await s.close();
  forgetOpened(s);
  return dir;
}

/** The agent index as if the indexer had got only to `seq`, and kept from going on (a writer holds the file). */
function indexerStoppedAt(dir: string, seq: number): void {
  const db = new (sqlite().DatabaseSync)(`${dir}/gatehouse-fts.sqlite`, { timeout: 0 });
  db.exec(`DELETE FROM audit_agent WHERE seq > ${seq}; DELETE FROM audit_fts WHERE rowid > ${seq}`);
  // The counts by action type as the indexer had them at `seq`: its actions' decided records up to there.
  db.exec(`ATTACH '${dir}/gatehouse.sqlite' AS live; DELETE FROM agent_types;
    INSERT INTO agent_types SELECT agent_id, action_type, count(*) FROM live.actions WHERE seq <= ${seq} GROUP BY agent_id, action_type; DETACH live`);
  db.exec(`UPDATE fts_meta SET value = '${seq}' WHERE key = 'fts_seq'`);
  db.exec('BEGIN IMMEDIATE');
  held.push(db);
}
function releaseIndexer(): void {
  for (const db of held.splice(0)) {
    db.exec('ROLLBACK');
    db.close();
  }
}

const FILTERS: Record<string, string>[] = [
  {},
  { risk_level: 'high' },
  { decision: 'denied' },
  { type: 'action.decided', status: 'pending' },
  { type: 'settings.changed' },
];

/** What a scan of the live table finds: the agent's records passing `f`, newest first. */
function scanned(s: SqliteStore, agent: string, f: Record<string, string>): number[] {
  const keys = Object.keys(f);
  return s
    .all<{ seq: number }>(`SELECT seq FROM audit WHERE agent_id = ?${keys.map((k) => ` AND ${k} = ?`).join('')} ORDER BY seq DESC`, [
      agent,
      ...keys.map((k) => f[k]!),
    ])
    .map((r) => r.seq);
}

/** Every page of an audit query, `limit` at a time, following the cursors. */
function auditPages(s: SqliteStore, q: Record<string, string>, limit: number): number[] {
  const out: number[] = [];
  let cursor: string | undefined;
  do {
    // As the route passes a query on (queryAudit validates it).
    const page = queryAudit(s, { ...q, limit, cursor } as Parameters<typeof queryAudit>[1]);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items.map((r) => r.seq));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

const ACTION_FILTERS: Record<string, string>[] = [
  {},
  { status: 'pending' },
  { decision: 'denied' },
  { risk_level: 'critical' },
  { action_type: 'file.write' },
];

function actionPages(s: SqliteStore, agent: string, f: Record<string, string>, limit: number): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = listActions(s, { agent_id: agent, ...f, limit, cursor } as Parameters<typeof listActions>[1], null);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items.map((a) => a.action_id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

function expectScanAnswers(s: SqliteStore): void {
  for (const agent of ['agent-0', 'agent-3', 'nobody']) {
    for (const f of FILTERS) expect(auditPages(s, { agent_id: agent, ...f }, 7)).toEqual(scanned(s, agent, f));
    for (const f of ACTION_FILTERS) {
      const keys = Object.keys(f);
      const actions = s.all<{ action_id: string }>(
        `SELECT action_id FROM actions WHERE agent_id = ?${keys.map((k) => ` AND ${k} = ?`).join('')} ORDER BY seq DESC`,
        [agent, ...keys.map((k) => f[k]!)],
      );
      expect(actionPages(s, agent, f, 9)).toEqual(actions.map((a) => a.action_id));
      // A page of 1 when most of the agent's actions fail the filter: the walk goes on past them.
      expect(actionPages(s, agent, f, 1)).toEqual(actions.map((a) => a.action_id));
    }
    const types = s.all(
      'SELECT action_type, count(*) AS count FROM actions WHERE agent_id = ? GROUP BY action_type ORDER BY count DESC, action_type',
      [agent],
    );
    expect(topActionTypes(s, agent)).toEqual(types);
  }
}

describe("an agent's records, through the indexer's table and past it", () => {
  it('audit pages, action lists and agent summaries are what a scan finds, indexed or not yet', async () => {
    const dir = await logOf(240);
    indexerStoppedAt(dir, 150);
    const s = await open(dir);
    expect(derivedReach(s)).toBe(150);
    expect(s.head().seq).toBe(241);
    // 91 records past the index: read from the live table.
    expectScanAnswers(s);
    expect(scanned(s, 'agent-3', {}).filter((seq) => seq > 150).length).toBeGreaterThan(10);
    releaseIndexer();
    await s.fullTextReady();
    expect(derivedReach(s)).toBe(241);
    expectScanAnswers(s);
  });

  it('reads the index, not the table, up to its reach', async () => {
    const dir = await logOf(60);
    const s = await open(dir);
    await s.fullTextReady();
    // A row in the index that the table does not have (record 10 is another agent's): only a read of the index finds it.
    const db = new (sqlite().DatabaseSync)(`${dir}/gatehouse-fts.sqlite`);
    db.exec("INSERT INTO audit_agent VALUES ('ghost', 10, 'action.decided', 'low', 'allowed', 'allowed')");
    db.close();
    expect(s.get<{ agent_id: string }>('SELECT agent_id FROM audit WHERE seq = 10')!.agent_id).not.toBe('ghost');
    expect(agentRecordSeqs(s, 'ghost', { lo: 1, hi: s.head().seq }, 10)).toEqual([10]);
    expect(queryAudit(s, { agent_id: 'ghost' }).items.map((r) => r.seq)).toEqual([10]);
    expect(agentRecordSeqs(s, 'ghost', { lo: 11, hi: s.head().seq }, 10)).toEqual([]);
  });

  it('a caller that cannot wait looks at the newest records past the index only, up to its bound', async () => {
    const dir = await logOf(100);
    indexerStoppedAt(dir, 0);
    const s = await open(dir);
    expect(derivedReach(s)).toBe(0);
    const head = s.head().seq;
    expect(agentRecordSeqs(s, 'agent-1', { lo: 1, hi: head }, 100, {}, 10)).toEqual(scanned(s, 'agent-1', {}).filter((q) => q > head - 10));
    expect(agentRecordSeqs(s, 'agent-1', { lo: 1, hi: head }, 100)).toEqual(scanned(s, 'agent-1', {}));
  });

  it("forward-auth's retry lookup walks the status index only, never a history of the agent or the action type", async () => {
    const s = await open(await logOf(20));
    // Every statement the lookup runs, with the plan SQLite chose for it.
    const plans: string[] = [];
    const spy: typeof s = Object.create(s, {
      get: {
        value: (sql: string, params: (string | number | null)[]) => {
          plans.push(
            s
              .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)
              .map((r) => r.detail)
              .join(' | '),
          );
          return s.get(sql, params);
        },
      },
    });
    const id = { keyId: 'key_x', agentId: 'agent-1', actionType: 'file.write', resource: 'x' };
    expect(heldActionFor(spy, id, { now: Date.now(), lookbackMs: 60_000, answerReuseMs: 60_000 })).toBeNull();
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(plan).toMatch(/^SEARCH actions USING INDEX actions_status \(status=\?/);
  });

  it("an agent filter with a status walks the smaller of the two sets: the agent's actions or the status's", async () => {
    const dir = tempDir();
    const s = await open(dir);
    // 'big': 60 actions, a third each allowed, denied, pending; 'small': 3 actions, all allowed.
    for (let k = 1; k <= 60; k++) await s.commit(action(k, 'big').ops, action(k, 'big').audit);
    for (const k of [63, 66, 69]) await s.commit(action(k, 'small').ops, action(k, 'small').audit);
    await s.fullTextReady();
    // Every statement the list runs.
    const statements: string[] = [];
    const spy: typeof s = Object.create(s, {
      all: { value: (sql: string, params?: (string | number | null)[]) => (statements.push(sql), s.all(sql, params)) },
      get: { value: (sql: string, params?: (string | number | null)[]) => (statements.push(sql), s.get(sql, params)) },
    });
    const list = (agent: string, status: string) => {
      statements.length = 0;
      const scan = s.all<{ action_id: string }>('SELECT action_id FROM actions WHERE agent_id = ? AND status = ? ORDER BY seq DESC', [
        agent,
        status,
      ]);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = listActions(spy, { agent_id: agent, status, limit: 3, cursor } as Parameters<typeof listActions>[1], null);
        ids.push(...page.items.map((a) => a.action_id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(ids).toEqual(scan.map((a) => a.action_id));
      return {
        found: ids.length,
        byStatus: statements.some((q) => q.includes('INDEXED BY actions_status')),
        byAgent: statements.some((q) => q.includes('fts.audit_agent')),
      };
    };
    // 'big' has 60 actions, 'denied' 20: the status's set is walked.
    expect(list('big', 'denied')).toEqual({ found: 20, byStatus: true, byAgent: false });
    // 'small' has 3 actions, 'allowed' 23: the agent's.
    expect(list('small', 'allowed')).toEqual({ found: 3, byStatus: false, byAgent: true });
    // No such action: neither is walked.
    expect(list('small', 'denied')).toEqual({ found: 0, byStatus: false, byAgent: false });
  });
  it("an agent's walk looks up only its actions of the asked risk level, each by seq, never through another filter's index", async () => {
    const dir = tempDir();
    const s = await open(dir);
    // 'a': 40 actions of every level and decision; 'b': 40 denied ones, so the denied set is big.
    for (let k = 1; k <= 40; k++) await s.commit(action(k, 'a').ops, action(k, 'a').audit);
    for (let k = 41; k <= 80; k++)
      await s.commit(linkedAction(k, { agent: 'b', decision: 'denied' }).ops, linkedAction(k, { agent: 'b', decision: 'denied' }).audit);
    await s.fullTextReady();
    const lookups: { sql: string; params: (string | number | null)[] }[] = [];
    const spy: typeof s = Object.create(s, {
      all: {
        value: (sql: string, params: (string | number | null)[] = []) => {
          if (sql.includes('json_each')) lookups.push({ sql, params });
          return s.all(sql, params);
        },
      },
    });
    const levelOf = new Map(
      s.all<{ seq: number; risk_level: string }>('SELECT seq, risk_level FROM actions').map((r) => [r.seq, r.risk_level]),
    );
    for (const f of [{ risk_level: 'critical' }, { decision: 'denied' }, { risk_level: 'low', decision: 'denied' }] as Record<
      string,
      string
    >[]) {
      lookups.length = 0;
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = listActions(spy, { agent_id: 'a', ...f, limit: 2, cursor } as Parameters<typeof listActions>[1], null);
        ids.push(...page.items.map((x) => x.action_id));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      const keys = Object.keys(f);
      const scan = s.all<{ action_id: string }>(
        `SELECT action_id FROM actions WHERE agent_id = 'a'${keys.map((k) => ` AND ${k} = ?`).join('')} ORDER BY seq DESC`,
        keys.map((k) => f[k]!),
      );
      expect(ids).toEqual(scan.map((x) => x.action_id));
      expect(lookups.length).toBeGreaterThan(0);
      for (const l of lookups) {
        const plan = s.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${l.sql}`, l.params).map((r) => r.detail);
        expect(plan.filter((d) => / a /.test(d))).toEqual(['SEARCH a USING INDEX actions_seq (seq=?)']);
        const seqs = JSON.parse(String(l.params[0])) as number[];
        if (f.risk_level) for (const seq of seqs) expect(levelOf.get(seq)).toBe(f.risk_level);
      }
    }
  });
});
