import { describe, expect, it } from 'vitest';
import { BIG_RECORD_BYTES, readAuditRange } from '../../src-main/storage/audit-rows.js';
import { SCHEMA_SQL } from '../../src-main/storage/schema.js';
import { Connection, type Bindable } from '../../src-main/storage/sqlite.js';

// The read threads walk the log with readAuditRange: one query for the small records, the big
// ones read alone while the read's budget has room. Whatever the mix, every record must come back
// whole, in order, and a read must hold no more than its budget (beyond one record).

function logOf(datas: string[], conn = new Connection(':memory:')): Connection {
  conn.exec(SCHEMA_SQL);
  datas.forEach((data, i) =>
    conn.run("INSERT INTO audit (seq, id, ts, ts_ms, type, actor, data, hash) VALUES (?, ?, 't', 0, 'x', 'system', ?, ?)", [
      i + 1,
      `evt_${i + 1}`,
      data,
      `h${i + 1}`,
    ]),
  );
  return conn;
}

const text = (chars: number, fill = 'z') => JSON.stringify(fill.repeat(chars - 2));

describe('readAuditRange', () => {
  it('reads small and big records whole and in order, the big ones alone', () => {
    // Sizes around the line: 8,192 bytes is read in the query, 8,193 alone; an emoji is 2 UTF-16
    // units and 4 bytes, so a record can be small in characters and big in bytes.
    const datas = [text(10), text(BIG_RECORD_BYTES), text(BIG_RECORD_BYTES + 1), text(30), text(3_000, '😀'), text(300_000), text(5)];
    const conn = logOf(datas);
    const rows = readAuditRange(conn, 0, 7, 100, 1 << 30);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.map((r) => r.data)).toEqual(datas);
    expect(rows[2]).toEqual({ seq: 3, id: 'evt_3', ts: 't', type: 'x', actor: 'system', action_id: null, data: datas[2], hash: 'h3' });
    // The window and the limit.
    expect(readAuditRange(conn, 2, 5, 100, 1 << 30).map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(readAuditRange(conn, 0, 7, 2, 1 << 30).map((r) => r.seq)).toEqual([1, 2]);
    expect(readAuditRange(conn, 7, 9, 100, 1 << 30)).toEqual([]);
    conn.close();
  });

  it('holds no more than its budget beyond one record: a run of big records is read a few at a time, and at least one', () => {
    const conn = logOf([text(10), ...Array.from({ length: 5 }, () => text(300_000))]);
    expect(readAuditRange(conn, 0, 6, 500, 700_000).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(readAuditRange(conn, 3, 6, 500, 1000).map((r) => r.seq)).toEqual([4]);
    expect(readAuditRange(conn, 4, 6, 1, 1 << 30).map((r) => r.seq)).toEqual([5]);
    // Small records past the budget end the read too.
    const small = logOf(Array.from({ length: 20 }, () => text(1000)));
    expect(readAuditRange(small, 0, 20, 100, 5_500).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    small.close();
    conn.close();
  });

  it('leaves out a big record that is gone by the time it is read alone (retention, between two statements)', () => {
    class Racing extends Connection {
      override allArrays<T extends unknown[]>(sql: string, params?: readonly Bindable[]): T[] {
        const rows = super.allArrays<T>(sql, params);
        this.run('DELETE FROM audit WHERE seq = 2');
        return rows;
      }
    }
    const conn = logOf([text(10), text(20_000), text(20_000), text(10)], new Racing(':memory:'));
    expect(readAuditRange(conn, 0, 4, 100, 1 << 30).map((r) => r.seq)).toEqual([1, 3, 4]);
    // A read whose only record is gone goes on past it: an empty answer would end an export there.
    const again = logOf([text(10), text(20_000), text(10)], new Racing(':memory:'));
    expect(readAuditRange(again, 1, 3, 1, 1 << 30).map((r) => r.seq)).toEqual([3]);
    again.close();
    conn.close();
  });
});
