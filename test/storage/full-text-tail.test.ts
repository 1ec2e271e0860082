import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src-shared/index.js';
import { queryAudit } from '../../src-main/audit/query.js';
import { agentToken } from '../../src-main/storage/audit-index.js';
import type { DatabaseSync } from 'node:sqlite';
import { sqlite } from '../../src-main/storage/sqlite.js';
import { openStore, type SqliteStore } from '../../src-main/storage/store.js';
import { cleanupDirs, crashCopy, decided, tempDir } from './helpers.js';

const stores: SqliteStore[] = [];
async function open(dataDir: string): Promise<SqliteStore> {
  const s = await openStore({ dataDir, log: () => undefined });
  stores.push(s);
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  cleanupDirs();
});

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
/** Runs `fn` on a closed store's database file, as another SQLite tool would. */
function onClosedDatabase<T>(dir: string, fn: (db: DatabaseSync) => T): T {
  const db = new (sqlite().DatabaseSync)(`${dir}/gatehouse.sqlite`);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
/** A data dir holding 300 records, all indexed, its store closed. */
async function closedLogOf300(): Promise<string> {
  const dir = tempDir();
  const s = await open(dir);
  await commitMany(s, 1, 300);
  await s.fullTextReady();
  await s.close();
  stores.splice(stores.indexOf(s), 1);
  return dir;
}

const ftsSeq = (s: SqliteStore) => Number(s.get<{ value: string }>("SELECT value FROM meta WHERE key = 'fts_seq'")?.value);

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

  it('merges the index in bounded slices, not whole levels at once (FTS5 automerge off)', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 600);
    await s.fullTextReady();
    const config = Object.fromEntries(s.all<{ k: string; v: number }>('SELECT k, v FROM audit_fts_config').map((r) => [r.k, r.v]));
    expect(config).toMatchObject({ automerge: 0, crisismerge: 64 });
    expect(queryAudit(s, { q: 'uniq450word' }).items).toHaveLength(1);
  });

  it('indexes the text later, in batches, not in the acknowledged transaction', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 40);
    // Nobody asks for a sync: the writer's own timer indexes what it queued within moments.
    await new Promise((r) => setTimeout(r, 300));
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('text not yet indexed when the process dies is indexed from the stored records on the next start', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 50);
    await s.fullTextReady();
    await commitMany(s, 100, 300);
    const crashed = crashCopy(dir); // right after the acknowledgement: the text is (mostly) not indexed yet
    const t = await open(crashed);
    await t.fullTextReady();
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
    expect(ftsSeq(t)).toBe(t.head().seq);
    expect(queryAudit(t, { q: 'uniq399word' }).items).toHaveLength(1);
  });

  it('does not index queued records that retention moved out before their turn', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 40);
    // Before the writer's timer indexes the 40: the oldest ten leave, as retention removes them.
    await s.commit([{ sql: 'DELETE FROM audit WHERE seq <= ?', params: [10] }]);
    await s.fullTextReady();
    expect(storedSeqs(s)[0]).toBe(11);
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('a clean stop indexes what is still queued', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 40);
    await s.close();
    stores.splice(0);
    const indexed = onClosedDatabase(dir, (db) => [
      (db.prepare('SELECT count(*) AS c FROM audit_fts').get() as { c: number }).c,
      Number((db.prepare("SELECT value FROM meta WHERE key = 'fts_seq'").get() as { value: string }).value),
    ]);
    expect(indexed).toEqual([40, 40]);
  });

  it('a clean stop leaves a backlog read from the table to the next start instead of indexing it all first', async () => {
    const dir = await closedLogOf300();
    // As an upgrade leaves it: every record to index again from the table.
    onClosedDatabase(dir, (db) => {
      db.exec('DELETE FROM audit_fts');
      db.exec("UPDATE meta SET value = '0' WHERE key = 'fts_seq'");
    });
    const t = await open(dir);
    await commitMany(t, 301, 1);
    await t.close();
    stores.splice(0);
    const seq = onClosedDatabase(dir, (db) =>
      Number((db.prepare("SELECT value FROM meta WHERE key = 'fts_seq'").get() as { value: string }).value),
    );
    expect(seq).toBeLessThan(301);
    const u = await open(dir);
    await u.fullTextReady();
    expect(indexedSeqs(u)).toEqual(storedSeqs(u));
  });

  it('a writer thread that dies before indexing is restarted and indexes what it had not', async () => {
    const s = await open(tempDir());
    const writer = (s as unknown as { writer: { worker: { terminate(): Promise<number> } | null } }).writer;
    for (let round = 0; round < 3; round++) {
      await commitMany(s, 1 + round * 100, 60);
      await writer.worker?.terminate(); // its queue of text to index dies with it
    }
    await s.fullTextReady();
    expect(indexedSeqs(s)).toEqual(storedSeqs(s));
  });

  it('a database whose text was indexed with each record (before this) is taken as indexed', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 30);
    await s.fullTextReady();
    await s.close();
    stores.splice(0);
    // As an older release left it: every record indexed, no fts_seq.
    onClosedDatabase(dir, (db) => db.exec("DELETE FROM meta WHERE key = 'fts_seq'"));
    const t = await open(dir);
    await commitMany(t, 100, 5);
    await t.fullTextReady();
    expect(ftsSeq(t)).toBe(35);
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
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

  it('a database of the previous schema gets the agent column and the agent index with the filter columns on open', async () => {
    const dir = await closedLogOf300();
    // As schema 2 left it: full text without the agent column, the agent index on (agent_id, seq).
    onClosedDatabase(dir, (db) => {
      db.exec('DROP TABLE audit_fts');
      db.exec(
        "CREATE VIRTUAL TABLE audit_fts USING fts5(body, content='', contentless_delete=1, tokenize='unicode61', prefix='3 4 5 6 7 8')",
      );
      db.exec("INSERT INTO audit_fts(rowid, body) SELECT seq, 'old text' FROM audit");
      db.exec('DROP INDEX audit_agent_filters');
      db.exec('CREATE INDEX audit_agent ON audit(agent_id, seq) WHERE agent_id IS NOT NULL');
      db.exec('PRAGMA user_version = 2');
    });
    const t = await open(dir);
    const names = t
      .all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'audit_agent%'")
      .map((r) => r.name);
    expect(names).toEqual(['audit_agent_filters']);
    expect(t.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v).toBe(3);
    await t.fullTextReady();
    expect(indexedSeqs(t)).toEqual(storedSeqs(t));
    expect(queryAudit(t, { q: 'old' }).items).toEqual([]);
    expect(queryAudit(t, { q: 'uniq123word' }).items.map((r) => r.seq)).toEqual([123]);
    expect(queryAudit(t, { q: 'uniq', agent_id: 'agent-4', limit: 1000 }).items.map((r) => r.seq)).toEqual(agentSeqs(t, 'agent-4'));
    expect(tokenSeqs(t, 'agent-4')).toEqual(agentSeqs(t, 'agent-4'));
  });
});
