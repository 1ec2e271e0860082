import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportToString } from '../../src-main/audit/export.js';
import { verifyJsonlFile, verifyStore } from '../../src-main/audit/verify.js';
import { jcs, rowHash, sha256Hex } from '../../src-main/audit/chain.js';
import { sqlite } from '../../src-main/storage/sqlite.js';
import { openStore, type SqliteStore } from '../../src-main/storage/store.js';
import type { AuditRow } from '../../src-main/storage/types.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

afterEach(cleanupDirs);

/**
 * A log of 20 records tampered with in the database file itself (as anyone who can write the data
 * dir could), reopened: in slices on the main thread, or on the read worker (`offload`).
 */
async function tampered(sql: (rows: AuditRow[]) => string[], offload: boolean, indexerVerifyRows?: number): Promise<SqliteStore> {
  const { store } = await auditFixture(20);
  const rows = store.auditRows(0, 1000);
  const dir = store.dataDir;
  await store.close();
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(join(dir, 'gatehouse.sqlite'));
  for (const q of sql(rows)) db.exec(q);
  db.close();
  const s = await openStore({ dataDir: dir, log: () => undefined, offloadMinRows: offload ? 1 : 1_000_000, indexerVerifyRows });
  opened.push(s);
  return s;
}
const opened: SqliteStore[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});
const q = (v: string) => `'${v.replace(/'/g, "''")}'`;

async function exportFile(lines?: (l: string[]) => string[]): Promise<string> {
  const { store } = await auditFixture(30);
  const text = await exportToString(store, { format: 'jsonl' });
  await store.close();
  const file = join(tempDir('gh-verify-'), 'audit.jsonl');
  const all = text.trimEnd().split('\n');
  writeFileSync(file, `${(lines ? lines(all) : all).join('\n')}\n`);
  return file;
}

const edit = (line: string, f: (r: Record<string, unknown>) => void): string => {
  const r = JSON.parse(line) as Record<string, unknown>;
  f(r);
  return JSON.stringify(r);
};

describe('verify the live store', () => {
  it('accepts an intact chain and reports the head', async () => {
    const { store } = await auditFixture(40);
    const v = await verifyStore(store);
    expect(v).toEqual({ ok: true, records: 43, first_bad_seq: null, head_hash: store.head().hash, error: null });
    await store.close();
  });

  for (const offload of [false, true]) {
    it(`names the first bad seq for an edited, a re-hashed or a deleted record (${offload ? 'read worker' : 'main thread'})`, async () => {
      const edit5 = (rows: AuditRow[]) => rows[4]!.data.replace('agent-5', 'agent-X');
      const edited = await tampered((rows) => [`UPDATE audit SET data = ${q(edit5(rows))} WHERE seq = 5`], offload);
      expect(await verifyStore(edited)).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });

      // an attacker who also fixes the edited record's hash breaks the link of the next one
      const rehashed = await tampered((rows) => {
        const r = { ...rows[4]!, data: edit5(rows) };
        return [`UPDATE audit SET data = ${q(r.data)}, hash = ${q(rowHash(r, rows[3]!.hash))} WHERE seq = 5`];
      }, offload);
      expect(await verifyStore(rehashed)).toMatchObject({ ok: false, first_bad_seq: 6, records: 5 });

      const deleted = await tampered(() => ['DELETE FROM audit WHERE seq = 9'], offload);
      expect(await verifyStore(deleted)).toMatchObject({ ok: false, first_bad_seq: 9, error: 'record 9 is missing' });
    });
  }

  // With offloadMinRows 1 the 23 records are verified on two read threads (1..11 and 12..23 — the
  // second starting from record 11's stored hash); each verdict must be the single walk's.
  const TAMPERS: [string, (rows: AuditRow[]) => string[]][] = [
    ['an edit in the second half', (rows) => [`UPDATE audit SET data = ${q(rows[14]!.data.replace('}', ',"x":1}'))} WHERE seq = 15`]],
    [
      'a re-hashed edit in the second half',
      (rows) => {
        const r = { ...rows[14]!, data: rows[14]!.data.replace('}', ',"x":1}') };
        return [`UPDATE audit SET data = ${q(r.data)}, hash = ${q(rowHash(r, rows[13]!.hash))} WHERE seq = 15`];
      },
    ],
    ['a deletion in the second half', () => ['DELETE FROM audit WHERE seq = 17']],
    ['an edit of the middle record', (rows) => [`UPDATE audit SET data = ${q(rows[10]!.data.replace('}', ',"x":1}'))} WHERE seq = 11`]],
    [
      'a re-hashed middle record',
      (rows) => {
        const r = { ...rows[10]!, data: rows[10]!.data.replace('}', ',"x":1}') };
        return [`UPDATE audit SET data = ${q(r.data)}, hash = ${q(rowHash(r, rows[9]!.hash))} WHERE seq = 11`];
      },
    ],
    ['a deleted middle record', () => ['DELETE FROM audit WHERE seq = 11']],
    ['the record after the middle deleted', () => ['DELETE FROM audit WHERE seq = 12']],
    [
      'bad records in both halves',
      () => ['DELETE FROM audit WHERE seq = 18', `UPDATE audit SET hash = ${q('0'.repeat(64))} WHERE seq = 7`],
    ],
    ['the last record edited', (rows) => [`UPDATE audit SET data = ${q(rows[22]!.data.replace('}', ',"x":1}'))} WHERE seq = 23`]],
    ['nothing', () => []],
  ];
  // The second half runs on the indexer thread, in slices of indexerVerifyRows (3: 11..14..17..20..23).
  for (const [what, sql] of TAMPERS) {
    for (const slice of [undefined, 3])
      it(`two read threads give the single walk's verdict${slice ? ', the second half in slices' : ''}: ${what}`, async () => {
        const s = await tampered(sql, true, slice);
        const inTwo = await verifyStore(s);
        await s.close();
        const again = await openStore({ dataDir: s.dataDir, log: () => undefined, offloadMinRows: 1_000_000 });
        opened.push(again);
        const single = await verifyStore(again); // the same file, in one walk on the main thread
        expect(inTwo).toEqual(single);
        expect(inTwo.ok).toBe(what === 'nothing');
      });
  }

  it('an empty log verifies', async () => {
    const s = await openStore({ dataDir: tempDir(), log: () => undefined });
    opened.push(s);
    expect(await verifyStore(s)).toMatchObject({ ok: true, records: 0, head_hash: null });
  });
});

describe('verify an export file offline', () => {
  it('accepts an untouched export', async () => {
    const file = await exportFile();
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: true, records: 33, first_bad_seq: null });
  });

  it('accepts an export whose records hold U+2028 and U+2029 (JSON leaves them unescaped; a line ends at \\n only)', async () => {
    const { store } = await auditFixture(3);
    await store.commit([], [{ type: 'alert.triggered', actor: 'system', data: { message: 'one\u2028two\u2029three\r' } }]);
    const text = await exportToString(store, { format: 'jsonl' });
    await store.close();
    expect(text).toContain('\u2028');
    const file = join(tempDir('gh-verify-'), 'audit.jsonl');
    writeFileSync(file, text);
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: true, first_bad_seq: null });
  });

  it('detects an edited record', async () => {
    const file = await exportFile((l) =>
      l.map((x, i) => (i === 4 ? edit(x, (r) => ((r.data as Record<string, unknown>).decision = 'allowed')) : x)),
    );
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });
  });

  it('names an edited record whose hash was recomputed, which its successor still links past', async () => {
    const file = await exportFile((l) =>
      l.map((x, i) =>
        i === 4
          ? edit(x, (r) => {
              (r.data as Record<string, unknown>).decision = 'allowed';
              const { hash: _h, ...rest } = r;
              r.hash = sha256Hex(jcs(rest));
            })
          : x,
      ),
    );
    const v = await verifyJsonlFile(file);
    // Record 6 verifies on its own and links to record 5's hash as written: 5 is the one changed.
    expect(v).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });
    expect(v.error).toMatch(/record 5 was changed: record 6 verifies/);
  });

  it('names a record whose link alone was edited', async () => {
    const file = await exportFile((l) => l.map((x, i) => (i === 5 ? edit(x, (r) => (r.prev_hash = 'f'.repeat(64))) : x)));
    const v = await verifyJsonlFile(file);
    expect(v).toMatchObject({ ok: false, first_bad_seq: 6, records: 5 });
    expect(v.error).toMatch(/record 6: prev_hash does not link to record 5/);
  });

  it('detects a deleted record', async () => {
    const file = await exportFile((l) => l.filter((_, i) => i !== 6));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 7, error: 'record 7 is missing' });
  });

  it('detects reordered lines', async () => {
    const file = await exportFile((l) => {
      const c = [...l];
      [c[2], c[3]] = [c[3]!, c[2]!];
      return c;
    });
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 3 });
  });

  it('names the seq an unparseable line should have held', async () => {
    const file = await exportFile((l) => l.map((x, i) => (i === 11 ? x.slice(0, 40) : x)));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 12, error: 'line 12 is not valid JSON' });
  });

  it('detects a removed beginning, and accepts it only when asked to (partial export)', async () => {
    const file = await exportFile((l) => l.slice(10));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 1 });
    expect(await verifyJsonlFile(file, { partial: true })).toMatchObject({ ok: true, records: 23 });
  });

  it('refuses a line that shows what its hash does not cover: a repeated key, a number no double holds as written', async () => {
    // JSON.parse keeps the last `data` (the signed one) and reads 5.0000000000000001 as 5, so the hash
    // verifies; a first-wins parser, jq (which keeps number literals) or a reader sees other content.
    const shown = await exportFile((l) => l.map((x, i) => (i === 4 ? `{"data":{"decision":"allowed","forged":true},${x.slice(1)}` : x)));
    const dup = await verifyJsonlFile(shown);
    expect(dup).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });
    expect(dup.error).toMatch(/line 5 is not exactly a record: data: duplicate key 'data'/);
    const rounded = await exportFile((l) => l.map((x, i) => (i === 6 ? x.replace('"seq":7,', '"seq":7.0000000000000001,') : x)));
    const num = await verifyJsonlFile(rounded);
    expect(num).toMatchObject({ ok: false, first_bad_seq: 7, records: 6 });
    expect(num.error).toMatch(/line 7 .*seq: number 7\.0000000000000001 reads as 7/);
  });

  it("accepts every number Gatehouse writes, an integer beyond 2^53 in JSON.stringify's form included", async () => {
    const { store } = await auditFixture(2);
    const data = { big: 1.2345678901234568e20, huge: 1.5e300, tiny: 5e-324, neg: -3.25e-9, max: Number.MAX_VALUE, whole: 2 ** 53 + 2 };
    await store.commit([], [{ type: 'alert.triggered', actor: 'system', data }]);
    const text = await exportToString(store, { format: 'jsonl' });
    await store.close();
    expect(text).toContain('"big":123456789012345680000');
    const file = join(tempDir('gh-verify-'), 'audit.jsonl');
    writeFileSync(file, text);
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: true, records: 6, first_bad_seq: null });
  });

  it('rejects non-canonical extra fields', async () => {
    const file = await exportFile((l) => l.map((x, i) => (i === 0 ? edit(x, (r) => (r.extra = 1)) : x)));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 1 });
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });
});
