/**
 * Where verification's time goes, side by side in one run: the read worker's whole walk against the
 * same walk in this thread, split into its two halves: reading the rows (SQLite → JS strings) and
 * hashing them (canonical text + SHA-256). `tsx bench/verify-parts.ts --records 100000`.
 * The halves cost about the same, and one thread does them one after the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZERO_HASH } from '../src-shared/index.js';
import { rowHash } from '../src-main/audit/chain.js';
import { finishVerify, startVerify, verifyRows } from '../src-main/audit/scan.js';
import { Connection } from '../src-main/storage/sqlite.js';
import { openStore } from '../src-main/storage/store.js';
import type { AuditRow } from '../src-main/storage/types.js';
import type { StorageWorker } from '../src-main/storage/workers.js';
import { commitFor } from './records.js';

const i = process.argv.indexOf('--records');
const RECORDS = i > 0 ? Number(process.argv[i + 1]) : 100_000;
const SQL = 'SELECT seq, id, ts, type, actor, action_id, data, hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?';
const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-verify-parts-'));
try {
  const store = await openStore({ dataDir, log: () => undefined });
  let next = 0;
  const ingest = async () => {
    while (next < RECORDS) {
      const c = commitFor(next++, Date.now());
      await store.commit(c.ops, c.audit);
    }
  };
  await Promise.all(Array.from({ length: 64 }, ingest));
  const head = store.head();
  const reader = (store as unknown as { reader: StorageWorker }).reader;
  const rate = (n: number, t: number) => (n / ((performance.now() - t) / 1000)).toFixed(0);
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    const worker = await reader.verify(head, undefined, store.archiveHead());
    const workerRate = rate(worker.records, t);
    const conn = new Connection(join(dataDir, 'gatehouse.sqlite'));
    const walk = (each: (rows: AuditRow[]) => void) => {
      for (let after = 0; ;) {
        const rows = conn.all<AuditRow>(SQL, [after, head.seq, 500]);
        if (!rows.length) return;
        each(rows);
        after = rows[rows.length - 1]!.seq;
      }
    };
    t = performance.now();
    let n = 0;
    walk((rows) => (n += rows.length));
    const readRate = rate(n, t);
    const state = startVerify();
    t = performance.now();
    walk((rows) => {
      if (verifyRows(rows, state)) throw new Error('the chain does not verify');
    });
    const here = finishVerify(state, head);
    const bothRate = rate(here.records, t);
    const rows = conn.all<AuditRow>(SQL, [0, head.seq, 20_000]);
    let prev = ZERO_HASH;
    t = performance.now();
    for (const row of rows) {
      if (rowHash(row, prev) !== row.hash) throw new Error('bad hash');
      prev = row.hash;
    }
    const hashRate = rate(rows.length, t);
    conn.close();
    if (!worker.ok || JSON.stringify(worker) !== JSON.stringify(here)) throw new Error('different verdicts');
    process.stdout.write(
      `${head.seq} records: read worker ${workerRate} rec/s; this thread: read+hash ${bothRate}, read only ${readRate}, hash only ${hashRate} rec/s\n`,
    );
  }
  await store.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
