import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { afterEach, describe, expect, it } from 'vitest';
import { ZERO_HASH, type AuditRecord } from '../../src-shared/index.js';
import { exportAudit, exportToString } from '../../src-main/audit/export.js';
import { verifyStore } from '../../src-main/audit/verify.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import { sqlite } from '../../src-main/storage/sqlite.js';
import { StorageUnavailableError } from '../../src-main/storage/types.js';
import { closeOpened, crashCopy, decided, openTracked, tempDir } from './helpers.js';

const open = openTracked;

async function commitMany(s: SqliteStore, from: number, count: number): Promise<AuditRecord[]> {
  const all = await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const c = decided(from + k);
      return s.commit(c.ops, c.audit);
    }),
  );
  return all.flat();
}

const recordTs = async (s: SqliteStore, seq: number) => s.get<{ ts: string }>('SELECT ts FROM audit WHERE seq = ?', [seq])!.ts;
const count = (s: SqliteStore, table: string) => s.get<{ c: number }>(`SELECT count(*) AS c FROM ${table}`)!.c;
const independentHash = (r: AuditRecord) => {
  const { hash: _h, ...rest } = r;
  return createHash('sha256').update(canonicalize(rest)!, 'utf8').digest('hex');
};

afterEach(closeOpened);

describe('store: commit and chain', () => {
  it('assigns seq in call order and hashes exactly per SPEC 7.2', async () => {
    const s = await open(tempDir());
    const records = await commitMany(s, 1, 50);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records[0]!.prev_hash).toBe(ZERO_HASH);
    for (const [i, r] of records.entries()) {
      expect(r.hash).toBe(independentHash(r));
      if (i) expect(r.prev_hash).toBe(records[i - 1]!.hash);
      expect(r.id).toMatch(/^evt_/);
      expect(new Date(r.ts).toISOString()).toBe(r.ts);
    }
    expect(s.head()).toEqual({ seq: 50, hash: records[49]!.hash });
    expect(count(s, 'actions')).toBe(50);
    const row = s.get<Record<string, unknown>>('SELECT agent_id, decision, status, risk_level FROM audit WHERE seq = 5')!;
    expect({ ...row }).toEqual({ agent_id: 'agent-5', decision: 'pending', status: 'pending', risk_level: 'medium' });
  });

  it('timestamps never go backwards even if the clock does', async () => {
    let now = 2_000_000_000_000;
    const s = await open(tempDir(), { clock: { now: () => now } });
    const [a] = await s.commit([], [{ type: 'server.started', actor: 'system', data: {} }]);
    now -= 60_000;
    const [b] = await s.commit([], [{ type: 'server.stopped', actor: 'system', data: {} }]);
    expect(Date.parse(b!.ts)).toBeGreaterThanOrEqual(Date.parse(a!.ts));
  });

  it('rejects bad input before assigning anything', async () => {
    const s = await open(tempDir());
    await expect(s.commit([{ sql: 'SELECT ?', params: [Number.NaN] }])).rejects.toThrow(TypeError);
    await expect(s.commit([], [{ type: 'alert.triggered', actor: 'system', data: { x: Number.POSITIVE_INFINITY } }])).rejects.toThrow();
    await expect(s.commit([], [{ type: 'alert.triggered', actor: 'system', data: { x: '\ud800' } }])).rejects.toThrow();
    const [r] = await s.commit([], [{ type: 'alert.triggered', actor: 'system', data: {} }]);
    expect(r!.seq).toBe(1);
  });

  it('keeps reads read-only: writes must go through commit()', async () => {
    const s = await open(tempDir());
    expect(() => s.all('DELETE FROM audit')).toThrow(/commit/);
    expect(() => s.get("UPDATE meta SET value = 'x'")).toThrow(/commit/);
  });

  it('a failing op rolls back its own commit only; its audit record stands, other commits of the transaction too', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r1', 'a')" }]);
    // Three commits in one turn share one transaction; the middle one fails on a constraint.
    const before = s.commit(
      [{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r0', 'x')" }],
      [{ type: 'policy.created', actor: 'user', data: {} }],
    );
    const bad = s.commit(
      [{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r2', 'b')" }, { sql: "INSERT INTO risk_rules(id, body) VALUES ('r1', 'dup')" }],
      [{ type: 'policy.updated', actor: 'user', data: { id: 'p' } }],
    );
    const after = s.commit(
      [{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r3', 'y')" }],
      [{ type: 'policy.created', actor: 'user', data: {} }],
    );
    await expect(bad).rejects.toThrow(/UNIQUE/);
    await expect(before).resolves.toHaveLength(1);
    await expect(after).resolves.toHaveLength(1);
    expect(s.all<{ id: string }>('SELECT id FROM risk_rules ORDER BY id').map((r) => r.id)).toEqual(['r0', 'r1', 'r3']);
    expect(s.head().seq).toBe(3);
    expect((await verifyStore(s)).ok).toBe(true);
    const copy = await open(crashCopy(dir));
    expect(count(copy, 'risk_rules')).toBe(3);
    expect(copy.head()).toEqual(s.head());
  });

  it('group commit: commits issued in one turn share one transaction', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 64);
    expect(s.lastFlush).toMatchObject({ commits: 64, records: 64 });
    const serial: number[] = [];
    for (let i = 0; i < 3; i++) {
      await commitMany(s, 100 + i, 1);
      serial.push(s.lastFlush.commits);
    }
    expect(serial).toEqual([1, 1, 1]);
  });

  it('keeps per-agent counts by status in the same transaction (no scan at start-up)', async () => {
    const s = await open(tempDir());
    await commitMany(s, 0, 21);
    await s.commit([{ sql: "UPDATE actions SET status = 'approved' WHERE action_id = ?", params: ['act_test00000002'] }]);
    const counts = s.all<{ agent_id: string; status: string; n: number }>(
      "SELECT agent_id, status, n FROM agent_counts WHERE agent_id = 'agent-2'",
    );
    const byStatus = Object.fromEntries(counts.map((c) => [c.status, c.n]));
    const truth = Object.fromEntries(
      s
        .all<{ status: string; n: number }>("SELECT status, count(*) AS n FROM actions WHERE agent_id = 'agent-2' GROUP BY status")
        .map((r) => [r.status, r.n]),
    );
    expect(byStatus).toMatchObject(truth);
    expect(truth.approved).toBe(1);
  });
});

describe('store: on disk (SPEC 8)', () => {
  it('is one SQLite file in WAL mode with synchronous=FULL (and its full-text index beside it); no journal/, no snapshot', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 10);
    await s.fullTextReady();
    expect(readdirSync(dir).sort()).toEqual([
      'gatehouse-fts.sqlite',
      'gatehouse-fts.sqlite-shm',
      'gatehouse-fts.sqlite-wal',
      'gatehouse.sqlite',
      'gatehouse.sqlite-shm',
      'gatehouse.sqlite-wal',
    ]);
    const conn = (s as unknown as { conn: { pragma: (p: string) => unknown } }).conn;
    expect(conn.pragma('journal_mode')).toBe('wal');
    expect(conn.pragma('synchronous')).toBe(2); // FULL
    // Any SQLite tool can read it while the server runs.
    const { DatabaseSync } = sqlite();
    const other = new DatabaseSync(join(dir, 'gatehouse.sqlite'), { readOnly: true });
    expect((other.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n).toBe(10);
    other.close();
  });

  it('what a crash leaves holds every acknowledged commit, and the chain continues from it', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 120);
    const c = await open(crashCopy(dir));
    expect(c.head()).toEqual(s.head());
    expect(count(c, 'audit')).toBe(120);
    expect(count(c, 'actions')).toBe(120);
    expect((await verifyStore(c)).ok).toBe(true);
    const [next] = await c.commit([], [{ type: 'server.started', actor: 'system', data: {} }]);
    expect(next).toMatchObject({ seq: 121, prev_hash: s.head().hash });
  });

  it('close() folds the WAL into the file; reopening continues the chain; later commits reject', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 25);
    const head = s.head();
    await s.close();
    expect(existsSync(join(dir, 'gatehouse.sqlite-wal'))).toBe(false);
    await expect(s.commit([], [])).rejects.toThrow(StorageUnavailableError);
    const again = await open(dir);
    expect(again.head()).toEqual(head);
    expect(again.upgrade).toBeNull();
  });

  it('a file that is not a Gatehouse database is refused, not overwritten', async () => {
    const dir = tempDir();
    const { DatabaseSync } = sqlite();
    const foreign = new DatabaseSync(join(dir, 'gatehouse.sqlite'));
    foreign.exec('PRAGMA journal_mode = WAL; CREATE TABLE audit (x); INSERT INTO audit VALUES (1)');
    foreign.close();
    await expect(open(dir)).rejects.toThrow(/not a Gatehouse 0.2 database/);
  });
});

describe('store: the read worker', () => {
  it('exports and verifies a large range off the main thread with the same bytes as in slices', async () => {
    const dir = tempDir();
    const s = await open(dir);
    for (let k = 0; k < 5; k++) await commitMany(s, k * 100, 100);
    const inline = await exportToString(s, { format: 'jsonl' });
    const offDir = crashCopy(dir);
    const off = await open(offDir, { offloadMinRows: 1 });
    for (const format of ['jsonl', 'csv', 'cef'] as const) {
      expect(await exportToString(off, { format })).toBe(await exportToString(s, { format }));
    }
    expect(await exportToString(off, { format: 'jsonl' })).toBe(inline);
    const progress: number[] = [];
    expect(await off.verify((d) => progress.push(d))).toEqual(await verifyStore(s));
    expect(await off.allAsync('SELECT count(*) AS n FROM actions', [], { rowsHint: 10 })).toEqual([{ n: 500 }]);
  });

  it('a large export is cut into blocks formatted on two read threads, yielded in order, byte for byte the single walk', async () => {
    const dir = tempDir();
    // A millisecond per record, so that a time window can start and end inside blocks.
    let now = Date.parse('2026-11-27T00:00:00Z');
    const s = await open(dir, { clock: { now: () => (now += 1) } });
    await commitMany(s, 0, 120);
    // Records of ~300 KB: a block of 7 of them is more than one piece (a piece ends once it holds ~120 KB of text).
    for (let k = 0; k < 9; k++) {
      const c = decided(200 + k, { description: `${k}`.repeat(300_000) });
      await s.commit(c.ops, c.audit);
    }
    await commitMany(s, 300, 40);
    // Text of more than one byte a character, through the read threads' messages too.
    const wide = decided(400, { description: 'naïve — 😀 ü' });
    await s.commit(wide.ops, wide.audit);
    // The expected text from the walk in slices on this thread; then the same files, reopened.
    const window = { format: 'jsonl' as const, since: await recordTs(s, 33), until: await recordTs(s, 150) };
    const expected = new Map<string, string>();
    for (const format of ['jsonl', 'csv', 'cef'] as const) expected.set(format, await exportToString(s, { format }));
    expected.set('window', await exportToString(s, window));
    expect(expected.get('jsonl')).toContain('naïve — 😀 ü');
    await s.close();
    const off = await open(dir, { offloadMinRows: 1, exportBlockRows: 7 });
    for (const format of ['jsonl', 'csv', 'cef'] as const) {
      const chunks: string[] = [];
      for await (const chunk of exportAudit(off, { format })) chunks.push(chunk);
      expect(chunks.join('')).toBe(expected.get(format));
      // 170 records in 25 blocks of 7: one piece a block, and a block of six 300 KB records in two
      // (a piece stops once it holds ~120 KB of text: at most one record past it).
      if (format === 'jsonl') {
        expect(chunks.length).toBeGreaterThan(25);
        expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan((1 << 20) + 310_000);
      }
    }
    // A window that starts and ends inside blocks (prev_hash of its first line from the record before it).
    const inWindow = await exportToString(off, window);
    expect(inWindow).toBe(expected.get('window'));
    const first = JSON.parse(inWindow.split('\n')[0]!) as AuditRecord;
    expect(first.seq).toBeGreaterThan(1);
    expect(first.prev_hash).toBe(off.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [first.seq - 1])!.hash);
  });

  it('a read thread that stops mid-export or mid-verification hands its share to the other: same bytes, same verdict', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 0, 400);
    const expected = await exportToString(s, { format: 'jsonl' });
    const verdict = await verifyStore(s);
    await s.close();
    const off = await open(dir, { offloadMinRows: 1, exportBlockRows: 7 });
    // The second read thread is the indexer (store.ts); stopping it is what a crash of it looks like.
    const stopIndexer = () =>
      (off as unknown as { indexer: { worker: { terminate(): Promise<number> } | null } }).indexer.worker!.terminate();
    const chunks: string[] = [];
    for await (const chunk of exportAudit(off, { format: 'jsonl' })) {
      if (chunks.push(chunk) === 3) await stopIndexer();
    }
    expect(chunks.join('')).toBe(expected);
    const pending = off.verify();
    await stopIndexer();
    expect(await pending).toEqual(verdict);
  });

  it('verifies and exports a run of big records on the read thread a few at a time (its heap is 48 MB)', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const s = await open(dir, { offloadMinRows: 1 });
    // 400 records of ~200 KB (a file written through an agent): 80 MB, read 500 rows at a time
    // without the size bound, which ends the read thread.
    for (let k = 0; k < 400; k += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => {
          const c = decided(k + j, { description: `${(k + j) % 10}`.repeat(200_000) });
          return s.commit(c.ops, c.audit);
        }),
      );
    expect(await s.verify()).toMatchObject({ ok: true, records: 400 });
    let bytes = 0;
    for await (const chunk of exportAudit(s, { format: 'jsonl' })) bytes += chunk.length;
    expect(bytes).toBeGreaterThan(80e6);
  });

  it('the indexer checkpoints the live WAL as it indexes, without waiting for the writer', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const s = await open(dir);
    // The writer's own automatic checkpoint out of reach: only the indexer's can copy pages over.
    await s.callWriter({ kind: 'pragma', text: 'wal_autocheckpoint = 1000000' });
    const before = statSync(join(dir, 'gatehouse.sqlite')).size;
    for (let k = 0; k < 8; k++) await commitMany(s, k * 100, 100);
    await s.fullTextReady();
    // 800 records of ~1 KB: at least one checkpoint (every 512 indexed) moved most of them into the file.
    expect(statSync(join(dir, 'gatehouse.sqlite')).size - before).toBeGreaterThan(400_000);
  });

  it('the writer thread checkpoints: the WAL stays near 12 MB however much is written', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const s = await open(dir);
    let walMax = 0;
    for (let k = 0; k < 120; k++) {
      await Promise.all(
        Array.from({ length: 64 }, (_, j) => {
          const c = decided(k * 64 + j, { description: 'y'.repeat(4000) });
          return s.commit(c.ops, c.audit);
        }),
      );
      walMax = Math.max(walMax, statSync(join(dir, 'gatehouse.sqlite-wal')).size);
    }
    // ~7,680 commits of ~5 KB: over 40 MB went through the WAL.
    expect(statSync(join(dir, 'gatehouse.sqlite')).size).toBeGreaterThan(30e6);
    expect(walMax).toBeLessThan(20e6);
  });
});

describe('store: a burst of big commits (back-pressure)', () => {
  it(
    '50 commits of 2,000 records of 1 KB issued at once all land, in order, with the writer thread alive',
    { timeout: 180_000 },
    async () => {
      const s = await open(tempDir());
      const writer = (s as unknown as { writer: { worker: unknown } }).writer;
      const pad = 'z'.repeat(1000);
      const commits = Array.from({ length: 50 }, (_, c) =>
        s.commit(
          [],
          Array.from({ length: 2000 }, (_, k) => ({ type: 'action.decided' as const, actor: 'agent:burst', data: { c, k, pad } })),
        ),
      );
      const results = await Promise.all(commits);
      expect(results.map((r) => r.length)).toEqual(Array(50).fill(2000));
      expect(results.flat().map((r) => r.seq)).toEqual(Array.from({ length: 100_000 }, (_, i) => i + 1));
      expect(count(s, 'audit')).toBe(100_000);
      // No transaction carried more than about MAX_TX_BYTES of text: a 2 MB commit went alone.
      expect(s.lastFlush.commits).toBe(1);
      expect(writer.worker).not.toBeNull();
      expect((await verifyStore(s)).ok).toBe(true);
    },
  );
});

describe('store: write failures (a genuine SQLITE_FULL)', () => {
  it('a writer thread that dies mid-transaction is restarted; the chain continues from what is on disk', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 10);
    const writer = (s as unknown as { writer: { worker: { terminate(): Promise<number> } | null } }).writer;
    for (let round = 0; round < 3; round++) {
      const inFlight = commitMany(s, 100 + round * 10, 8).then(
        () => 'stored',
        (e: unknown) => (e instanceof StorageUnavailableError ? 'refused' : String(e)),
      );
      await new Promise((r) => setImmediate(r)); // the batch is on its way to the thread
      await writer.worker?.terminate();
      expect(['stored', 'refused']).toContain(await inFlight);
    }
    const after = await commitMany(s, 500, 5);
    expect(after.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5].map((k) => s.head().seq - 5 + k));
    const onDisk = s.get<{ n: number }>('SELECT count(*) AS n FROM audit')!.n;
    expect(s.head().seq).toBe(onDisk);
    expect((await verifyStore(s)).ok).toBe(true);
  });

  it('rejects with StorageUnavailableError, stores nothing of it, keeps the head, then recovers by itself', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 10);
    const head = s.head();
    const pages = s.get<{ n: number }>('SELECT page_count AS n FROM pragma_page_count')!.n;
    await s.setMaxPageCount(pages); // no room to grow
    const big = (i: number) => {
      const c = decided(i, { description: 'x'.repeat(20_000) });
      return s.commit(c.ops, c.audit);
    };
    const failing = Promise.all([big(11), big(12), big(13)]).catch((e: unknown) => e);
    expect(await failing).toBeInstanceOf(StorageUnavailableError);
    expect(String(await failing)).toMatch(/full/i);
    expect(s.writable).toBe(false);
    expect(s.head()).toEqual(head);
    expect(count(s, 'audit')).toBe(10);
    expect(count(s, 'actions')).toBe(10);
    await expect(big(14)).rejects.toThrow(StorageUnavailableError); // still full
    await s.setMaxPageCount(null); // the disk has room again
    const [r] = await commitMany(s, 22, 1);
    expect(r).toMatchObject({ seq: 11, prev_hash: head.hash });
    expect(s.writable).toBe(true);
    const c = await open(crashCopy(dir));
    expect(c.head()).toEqual(s.head());
    expect(count(c, 'audit')).toBe(11);
    expect((await verifyStore(c)).ok).toBe(true);
  });

  it('a database file that cannot be written (read-only) answers StorageUnavailableError, not a crash', async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes; the tmpfs test (test/reliability/disk-full.test.ts) remounts read-only instead.
      return;
    }
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 3);
    chmodSync(join(dir, 'gatehouse.sqlite-wal'), 0o400);
    await expect(commitMany(s, 4, 1)).resolves.toBeDefined(); // an open descriptor keeps working
  });
});
