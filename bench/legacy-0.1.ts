// A release 0.1 data directory built for the benches (the storage bench's upgrade phase and the
// upgrade probe): 0.1's tables filled with `n` generated action.decided records, as 0.1 left it.
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { jcs, sealFields } from '../src-main/audit/chain.js';
import { SCHEMA_SQL } from '../src-main/storage/schema.js';
import { sqlite } from '../src-main/storage/sqlite.js';
import { commitFor } from './records.js';

/**
 * A release 0.1 data directory of `n` action.decided records, as 0.1 left it after a clean stop: a
 * plain SQLite file in rollback-journal format with 0.1's tables, its meta (journal position and
 * audit head) and the CRC32 stamped in the header, and an empty journal/.
 */
export function legacyDataDir(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-v01-'));
  const file = join(dir, 'gatehouse.sqlite');
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF');
  // 0.1's tables are 0.2's minus what 0.2 added (agent_counts, its triggers, FTS5).
  db.exec(SCHEMA_SQL.replace(/CREATE VIRTUAL TABLE[^;]*;/, '').replace(/CREATE TRIGGER[\s\S]*?END;/g, ''));
  db.exec('DROP TABLE agent_counts');
  const insAudit = db.prepare(
    'INSERT INTO audit(seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const stmts = new Map<string, ReturnType<typeof db.prepare>>();
  let prev = '0'.repeat(64);
  const t0 = Date.now() - n * 10;
  db.exec('BEGIN');
  for (let i = 1; i <= n; i++) {
    const c = commitFor(i, t0 + i * 10);
    const d = c.audit[0]!;
    const dataText = jcs(d.data);
    const ts = new Date(t0 + i * 10).toISOString();
    const f = { seq: i, id: `evt_${i}`, ts, type: d.type, actor: d.actor, action_id: d.action_id ?? null, dataText, prevHash: prev };
    const { hash } = sealFields(f);
    const data = d.data as { agent_id: string; decision: string; status: string; risk: { level: string } };
    insAudit.run(
      i,
      f.id,
      ts,
      t0 + i * 10,
      d.type,
      d.actor,
      f.action_id,
      data.agent_id,
      data.decision,
      data.status,
      data.risk.level,
      dataText,
      hash,
    );
    for (const op of c.ops([{ seq: i }])) {
      let st = stmts.get(op.sql);
      if (!st) stmts.set(op.sql, (st = db.prepare(op.sql)));
      st.run(...(op.params ?? []));
    }
    prev = hash;
  }
  const meta: [string, string][] = [
    ['journal_n', '0'],
    ['head_seq', String(n)],
    ['head_hash', prev],
    ['schema_version', '1'],
  ];
  for (const [k, v] of meta) db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run(k, v);
  db.exec('COMMIT');
  db.close();
  // The CRC32 of the whole file with its 4 bytes at offset 60 counted as zeros, in 8 MB chunks.
  const fd = openSync(file, 'r+');
  const size = statSync(file).size;
  const chunk = Buffer.alloc(8 << 20);
  let crc = 0;
  for (let off = 0; off < size; off += chunk.length) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - off), off);
    if (off === 0) chunk.writeUInt32BE(0, 60);
    crc = crc32(chunk.subarray(0, n), crc);
  }
  const stamp = Buffer.alloc(4);
  stamp.writeUInt32BE(crc >>> 0);
  writeSync(fd, stamp, 0, 4, 60);
  closeSync(fd);
  mkdirSync(join(dir, 'journal'));
  closeSync(openSync(join(dir, 'journal', '00000001.log'), 'w'));
  return dir;
}
