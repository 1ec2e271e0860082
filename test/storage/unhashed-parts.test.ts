import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unhashedText } from '../../src-main/audit/chain.js';
import { startVerify, verifyParts } from '../../src-main/audit/scan.js';
import { readUnhashedParts } from '../../src-main/storage/audit-rows.js';
import { SCHEMA_SQL } from '../../src-main/storage/schema.js';
import { Connection } from '../../src-main/storage/sqlite.js';
import type { UnhashedParts } from '../../src-main/storage/types.js';

// The read threads verify the chain from record text that SQLite puts together (audit-rows.ts
// readUnhashedParts). It must be the text chain.ts hashes, for any string a record can hold.

const LONE_SURROGATE = /\p{Cs}/u;
/** Strings a record can hold: any code point, astral ones included; lone surrogates are refused at sealing. */
const text = fc
  .oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' }))
  .filter((s) => !LONE_SURROGATE.test(s));

function memoryLog(): Connection {
  const conn = new Connection(':memory:');
  conn.exec(SCHEMA_SQL);
  return conn;
}

describe('record text put together by SQLite', () => {
  it('json_quote writes every string as JSON.stringify does', () => {
    const conn = memoryLog();
    const quote = (s: string) => conn.get<{ q: string }>('SELECT json_quote(?) AS q', [s])!.q;
    const every = Array.from({ length: 0x800 }, (_, c) => String.fromCharCode(c)).join('');
    for (const s of [every, '\u2028\u2029\ufeff\uffff', '😀 𝄞 \u{10ffff}', '"\\/\b\f\n\r\t\u0000\u001f\u007f', ''])
      expect(quote(s)).toBe(JSON.stringify(s));
    fc.assert(
      fc.property(text, (s) => quote(s) === JSON.stringify(s)),
      { numRuns: 3000 },
    );
    conn.close();
  });

  it('is the text chain.ts hashes, for any field values', () => {
    const conn = memoryLog();
    const record = fc.record({
      id: text,
      ts: text,
      type: text,
      actor: text,
      action_id: fc.option(text),
      data: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    });
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
        (recs, prev) => {
          conn.exec('DELETE FROM audit');
          recs.forEach((r, i) =>
            conn.run('INSERT INTO audit (seq, id, ts, ts_ms, type, actor, action_id, data, hash) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)', [
              i + 1,
              r.id,
              r.ts,
              r.type,
              r.actor,
              r.action_id,
              r.data,
              'h',
            ]),
          );
          const parts = readUnhashedParts(conn, 0, recs.length, 500, 1 << 20);
          return parts.every(([seq, before, after]) => {
            const r = recs[seq - 1]!;
            const fields = {
              seq,
              id: r.id,
              ts: r.ts,
              type: r.type,
              actor: r.actor,
              action_id: r.action_id,
              dataText: r.data,
              prevHash: prev,
            };
            return before + prev + after === unhashedText(fields);
          });
        },
      ),
      { numRuns: 500 },
    );
    conn.close();
  });

  it('reads a run of big records a few at a time, and at least one', () => {
    const conn = memoryLog();
    for (let seq = 1; seq <= 6; seq++)
      conn.run("INSERT INTO audit (seq, id, ts, ts_ms, type, actor, data, hash) VALUES (?, 'e', 't', 0, 'x', 'system', ?, 'h')", [
        seq,
        JSON.stringify('z'.repeat(seq === 1 ? 10 : 300_000)),
      ]);
    expect(readUnhashedParts(conn, 0, 6, 500, 700_000).map((p) => p[0])).toEqual([1, 2, 3]);
    expect(readUnhashedParts(conn, 3, 6, 500, 1000).map((p) => p[0])).toEqual([4]);
    expect(readUnhashedParts(conn, 4, 6, 1, 1 << 30).map((p) => p[0])).toEqual([5]);
    conn.close();
  });

  it('calls a record bad only when its row, hashed as the main thread does, says so too', () => {
    const prev = '0'.repeat(64);
    const wrong: UnhashedParts[] = [[1, '{"not":"', '"}', 'f'.repeat(64)]];
    const checked: number[] = [];
    const agrees = verifyParts(wrong, startVerify(), (seq) => (checked.push(seq), true));
    expect(agrees).toBeNull();
    expect(checked).toEqual([1]);
    const state = startVerify();
    expect(verifyParts(wrong, state, () => false)).toMatchObject({ ok: false, first_bad_seq: 1, records: 0 });
    expect(state.prev).toBe(prev);
    // A gap is reported without a recheck.
    expect(verifyParts([[2, '', '', 'f'.repeat(64)]], startVerify(), () => true)).toMatchObject({
      first_bad_seq: 1,
      error: 'record 1 is missing',
    });
  });
});
