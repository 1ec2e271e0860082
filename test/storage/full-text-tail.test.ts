import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src-shared/index.js';
import { queryAudit } from '../../src-main/audit/query.js';
import { agentToken } from '../../src-main/storage/audit-index.js';
import { FTS_FORMAT, SCHEMA_VERSION } from '../../src-main/storage/schema.js';
import type { DatabaseSync } from 'node:sqlite';
import { sqlite } from '../../src-main/storage/sqlite.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import { cpSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeOpened, crashCopy, decided, forgetOpened, openTracked, tempDir } from './helpers.js';

const open = (dataDir: string) => openTracked(dataDir);
afterEach(closeOpened);

/** Commits `count` records at once (group commit), each with a word of its own in its resource. */
async function commitMany(s: SqliteStore, from: number, count: number): Promise<AuditRecord[]> {
  const all = await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const c = decided(from + k, { resource: `s3://bucket/uniq${from + k}word` });
      return s.commit(c.ops, c.audit);
    }),
  );
  return all.flat();
}

const indexedSeqs = (s: SqliteStore) => s.all<{ rowid: number }>('SELECT rowid FROM audit_fts ORDER BY rowid').map((r) => r.rowid);
const storedSeqs = (s: SqliteStore) => s.all<{ seq: number }>('SELECT seq FROM audit ORDER BY seq').map((r) => r.seq);
/** Runs `fn` on a closed store's database file (or its full-text file), as another SQLite tool would. */
function onClosedDatabase<T>(dir: string, fn: (db: DatabaseSync) => T, file = 'gatehouse.sqlite'): T {
  const db = new (sqlite().DatabaseSync)(`${dir}/${file}`);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
/** A data dir holding `count` records, all indexed, its store closed. */
async function closedLog(count = 300): Promise<string> {
  const dir = tempDir();
  const s = await open(dir);
  await commitMany(s, 1, count);
  await s.fullTextReady();
  await s.close();
  forgetOpened(s);
  return dir;
}

/** Empties a closed store's full-text index, as an upgrade or a new index file leaves it: every record to index again. */
const forgetIndex = (dir: string) =>
  onClosedDatabase(
    dir,
    (db) => db.exec("DELETE FROM audit_fts; DELETE FROM audit_agent; UPDATE fts_meta SET value = '0' WHERE key = 'fts_seq'"),
    'gatehouse-fts.sqlite',
  );

const ftsSeq = (s: SqliteStore) => Number(s.get<{ value: string }>("SELECT value FROM fts.fts_meta WHERE key = 'fts_seq'")?.value ?? 0);
/** Waits (up to 10 s) until every stored record is in the index, with nobody asking for a sync. */
async function indexedByItself(s: SqliteStore): Promise<void> {
  for (let i = 0; i < 200 && ftsSeq(s) < s.head().seq; i++) await new Promise((r) => setTimeout(r, 50));
  expect(ftsSeq(s)).toBe(s.head().seq);
}

describe('full text after the acknowledged transaction', () => {
  it('a search that syncs first finds every acknowledged record', async () => {
    const s = await open(tempDir());
    const records = await commitMany(s, 1, 700);
    await s.fullTextReady();
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
    expect(ftsSeq(s)).toBe(s.head().seq);
    for (const r of [records[0]!, records[349]!, records[699]!]) {
      const word = /uniq\d+word/.exec(JSON.stringify(r.data))![0];
      expect(queryAudit(s, { q: word }).items.map((x) => x.seq)).toEqual([r.seq]);
    }
  });

  it('keeps the index in a file of its own, which the writer never touches', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 30);
    await s.fullTextReady();
    const live = s.all<{ name: string }>("SELECT name FROM main.sqlite_schema WHERE name LIKE '%fts%'");
    expect(live).toEqual([]);
    const files = s.all<{ name: string; file: string }>('SELECT name, file FROM pragma_database_list');
    expect(files.find((f) => f.name === 'fts')?.file).toBe(join(dir, 'gatehouse-fts.sqlite'));
    expect(statSync(join(dir, 'gatehouse-fts.sqlite')).mode & 0o777).toBe(0o600);
    expect(indexedSeqs(s)).toHaveLength(30);
  });

  it('merges the index in bounded slices, not whole levels at once (FTS5 automerge off)', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 600);
    await s.fullTextReady();
    const config = Object.fromEntries(s.all<{ k: string; v: number }>('SELECT k, v FROM audit_fts_config').map((r) => [r.k, r.v]));
    expect(config).toMatchObject({ automerge: 0, crisismerge: 64 });
    expect(queryAudit(s, { q: 'uniq450word' }).items).toHaveLength(1);
  });

  it('indexes the text soon after the acknowledged transaction, with nobody asking', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 40);
    await indexedByItself(s);
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('text not yet indexed when the process dies is indexed from the stored records after the next start', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 50);
    await s.fullTextReady();
    await commitMany(s, 100, 300);
    const crashed = crashCopy(dir); // right after the acknowledgement: the text is (mostly) not indexed yet
    const t = await open(crashed);
    await indexedByItself(t); // the start sees the index behind and catches up in the background
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
    expect(queryAudit(t, { q: 'uniq399word' }).items).toHaveLength(1);
  });

  it('deletes the rows of records that retention moved out, and never indexes them', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 40);
    await s.fullTextReady();
    await commitMany(s, 100, 20);
    // The oldest 50 leave, as retention removes them: ten of them were never indexed.
    await s.commit([{ sql: 'DELETE FROM audit WHERE seq <= ?', params: [50] }]);
    await s.fullTextReady();
    expect(storedSeqs(s)[0]).toBe(51);
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('a clean stop leaves the index where it got; the next start goes on from there', async () => {
    const dir = await closedLog();
    forgetIndex(dir);
    const t = await open(dir);
    await commitMany(t, 301, 1);
    await indexedByItself(t);
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
  });

  it('an index of another log (a database restored or replaced), or a damaged index file, is built again', async () => {
    const dir = await closedLog();
    const other = await closedLog();
    // This dir's log, with the other's index beside it: same seqs, other hashes.
    cpSync(join(other, 'gatehouse-fts.sqlite'), join(dir, 'gatehouse-fts.sqlite'));
    onClosedDatabase(dir, (db) =>
      db.exec("UPDATE audit SET data = json_set(data, '$.resource', 'mine' || seq || 'end'), hash = 'x' || hash"),
    );
    const t = await open(dir);
    await t.fullTextReady();
    expect(queryAudit(t, { q: 'uniq12word' }).items).toEqual([]);
    expect(queryAudit(t, { q: 'mine12end' }).items.map((r) => r.seq)).toEqual([12]);
    await t.close();
    forgetOpened(t);
    writeFileSync(join(dir, 'gatehouse-fts.sqlite'), 'not a database, not even close'.repeat(200));
    rmSync(join(dir, 'gatehouse-fts.sqlite-wal'), { force: true });
    const u = await open(dir);
    await u.fullTextReady();
    expect(indexedSeqs(u)).toEqual(storedSeqs(u));
  });

  it('an indexer thread that dies is restarted and indexes what it had not', async () => {
    const s = await open(tempDir());
    const indexer = (s as unknown as { indexer: { worker: { terminate(): Promise<number> } | null } }).indexer;
    for (let round = 0; round < 3; round++) {
      await commitMany(s, 1 + round * 100, 60);
      await indexer.worker?.terminate();
    }
    await s.fullTextReady();
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('acknowledges commits while the indexer works through a backlog', async () => {
    const dir = await closedLog(4000);
    forgetIndex(dir);
    const t = await open(dir);
    await commitMany(t, 5000, 10);
    // Acknowledged while most of the 4,000 are still to index: the writer does not wait for the indexer.
    expect(ftsSeq(t)).toBeLessThan(4000);
    await t.fullTextReady();
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
  });

  it('a stop is not held behind a search waiting for a long catch-up: the wait ends with an error', async () => {
    const dir = await closedLog(4000);
    forgetIndex(dir);
    const t = await open(dir);
    const waiting = t.fullTextReady().then(
      () => 'caught up',
      (e: Error) => e.name,
    );
    await t.close();
    forgetOpened(t);
    expect(await waiting).toBe('StorageUnavailableError');
    // Nothing was lost: the next start goes on from where the stop left the index.
    const u = await open(dir);
    await u.fullTextReady();
    expect(indexedSeqs(u)).toEqual(storedSeqs(u));
  });
});

describe("searching one agent's records", () => {
  const agentSeqs = (s: SqliteStore, agent: string) =>
    s
      .all<{ seq: number }>("SELECT seq FROM audit WHERE agent_id = ? AND type = 'action.decided' ORDER BY seq DESC", [agent])
      .map((r) => r.seq);
  const tokenSeqs = (s: SqliteStore, agent: string) =>
    s
      .all<{ rowid: number }>('SELECT rowid FROM audit_fts WHERE audit_fts MATCH ? ORDER BY rowid DESC', [`agent : ${agentToken(agent)}`])
      .map((r) => r.rowid);

  it("indexes each record's agent as one token of its own column, which the text of other columns never matches", async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 70);
    await s.fullTextReady();
    for (const agent of ['agent-0', 'agent-3', 'agent-6']) {
      expect(tokenSeqs(s, agent)).toEqual(agentSeqs(s, agent));
      expect(agentSeqs(s, agent)).toHaveLength(10);
    }
    expect(agentToken('agent-3')).toMatch(/^ag[0-9a-f]{10}$/);
    // The token is not text: a search for it finds nothing, and the text search does not see the column.
    expect(queryAudit(s, { q: agentToken('agent-3') }).items).toEqual([]);
    expect(queryAudit(s, { q: agentToken('agent-3').slice(0, 5) }).items).toEqual([]);
  });

  it('a database of schema 2 loses its agent index, and its full-text table moves out', async () => {
    const dir = await closedLog();
    // As schema 2 left it: full text in the live file, without the agent column; the agent index on (agent_id, seq).
    onClosedDatabase(dir, (db) => {
      db.exec(
        "CREATE VIRTUAL TABLE audit_fts USING fts5(body, content='', contentless_delete=1, tokenize='unicode61', prefix='3 4 5 6 7 8')",
      );
      db.exec("INSERT INTO audit_fts(rowid, body) SELECT seq, 'old text' FROM audit");
      db.exec("INSERT INTO meta(key, value) VALUES ('fts_seq', '300')");
      db.exec('CREATE INDEX audit_agent ON audit(agent_id, seq) WHERE agent_id IS NOT NULL');
      db.exec('PRAGMA user_version = 2');
    });
    for (const f of ['gatehouse-fts.sqlite', 'gatehouse-fts.sqlite-wal', 'gatehouse-fts.sqlite-shm']) rmSync(join(dir, f), { force: true });
    const t = await open(dir);
    const names = t
      .all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'audit_agent%'")
      .map((r) => r.name);
    expect(names).toEqual([]);
    expect(t.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v).toBe(SCHEMA_VERSION);
    expect(t.get("SELECT 1 FROM meta WHERE key = 'fts_seq'")).toBeUndefined();
    await t.fullTextReady();
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
    expect(queryAudit(t, { q: 'old' }).items).toEqual([]);
    expect(queryAudit(t, { q: 'uniq123word' }).items.map((r) => r.seq)).toEqual([123]);
    expect(queryAudit(t, { q: 'uniq', agent_id: 'agent-4', limit: 1000 }).items.map((r) => r.seq)).toEqual(agentSeqs(t, 'agent-4'));
    expect(tokenSeqs(t, 'agent-4')).toEqual(agentSeqs(t, 'agent-4'));
    // The old table is dropped by the writer in the background.
    for (let i = 0; i < 100 && t.get("SELECT 1 FROM main.sqlite_schema WHERE name LIKE 'audit_fts%'"); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(t.all("SELECT name FROM main.sqlite_schema WHERE name LIKE 'audit_fts%'")).toEqual([]);
  });

  it("a database of schema 4 has its agents' indexes moved to the full-text file: built there again, dropped from the log", async () => {
    const dir = await closedLog();
    // As schema 4 left it: the two agent-keyed indexes in the live file, a full-text file of no format.
    onClosedDatabase(dir, (db) => {
      db.exec('CREATE INDEX audit_agent_filters ON audit(agent_id, seq, type, risk_level, decision, status) WHERE agent_id IS NOT NULL');
      db.exec('CREATE INDEX actions_agent ON actions(agent_id, created_ms, seq)');
      db.exec('PRAGMA user_version = 4');
    });
    onClosedDatabase(dir, (db) => db.exec("DROP TABLE audit_agent; DELETE FROM fts_meta WHERE key = 'format'"), 'gatehouse-fts.sqlite');
    const t = await open(dir);
    expect(t.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v).toBe(SCHEMA_VERSION);
    await t.fullTextReady();
    expect(t.get<{ value: string }>("SELECT value FROM fts.fts_meta WHERE key = 'format'")?.value).toBe(FTS_FORMAT);
    const derived = t
      .all<{ seq: number }>("SELECT seq FROM fts.audit_agent WHERE agent_id = 'agent-4' ORDER BY seq DESC")
      .map((r) => r.seq);
    expect(derived.length).toBeGreaterThan(0);
    expect(derived).toEqual(t.all<{ seq: number }>("SELECT seq FROM audit WHERE agent_id = 'agent-4' ORDER BY seq DESC").map((r) => r.seq));
    expect(queryAudit(t, { agent_id: 'agent-4', limit: 1000 }).items.map((r) => r.seq)).toEqual(derived);
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
    // The old indexes are dropped by the writer in the background.
    const old = () => t.all("SELECT name FROM main.sqlite_schema WHERE name IN ('audit_agent_filters', 'actions_agent')");
    for (let i = 0; i < 100 && old().length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(old()).toEqual([]);
  });
  it('a full-text file of format 2 is built again with the counts of actions by agent and type', async () => {
    const dir = await closedLog(120);
    // Counts that are not this log's: the rebuild starts them again from nothing.
    onClosedDatabase(
      dir,
      (db) =>
        db.exec(
          "UPDATE agent_types SET n = n + 5; INSERT INTO agent_types VALUES ('agent-1', 'stale', 9); UPDATE fts_meta SET value = '2' WHERE key = 'format'",
        ),
      'gatehouse-fts.sqlite',
    );
    const t = await open(dir);
    await t.fullTextReady();
    expect(t.get<{ value: string }>("SELECT value FROM fts.fts_meta WHERE key = 'format'")?.value).toBe(FTS_FORMAT);
    const counted = t.all('SELECT agent_id, action_type, n FROM fts.agent_types ORDER BY agent_id, action_type');
    expect(counted.length).toBeGreaterThan(2);
    expect(counted).toEqual(
      t.all(
        `SELECT agent_id, json_extract(data, '$.action_type') AS action_type, count(*) AS n FROM audit
         WHERE type = 'action.decided' GROUP BY agent_id, action_type ORDER BY agent_id, action_type`,
      ),
    );
  });
});
