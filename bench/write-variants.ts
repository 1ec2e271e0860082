// Profiling aid for the writer (not part of `npm run bench`): the cost per record of one
// group-commit transaction's SQL under schema and setting variants, measured side by side in one
// process on the same records: CPU of this thread per record (what bounds durable ingest) and wall
// time (fsync included), plus bytes on disk per record.
// Run: node --import tsx bench/write-variants.ts [--records 30000] [--batch 32] [variant ...]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jcs, sealFields } from '../src-main/audit/chain.js';
import { filterFields, textFields } from '../src-main/storage/audit-index.js';
import { FTS_SCHEMA_SQL, SCHEMA_SQL } from '../src-main/storage/schema.js';
import { Connection } from '../src-main/storage/sqlite.js';
import { commitFor } from './records.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--records', 30_000);
const BATCH = arg('--batch', 32);

type Row = {
  audit: (string | number | null)[];
  body: string;
  agent: string | null;
  op: { sql: string; params: (string | number | null)[] };
};
const rows: Row[] = [];
{
  let prev = '0'.repeat(64);
  const t0 = Date.now();
  for (let i = 1; i <= N; i++) {
    const c = commitFor(i, t0 + i);
    const d = c.audit[0]!;
    const dataText = jcs(d.data);
    const ts = new Date(t0 + i).toISOString();
    const f = { seq: i, id: `evt_${i}`, ts, type: d.type, actor: d.actor, action_id: d.action_id ?? null, dataText, prevHash: prev };
    const { hash } = sealFields(f);
    const x = { ...filterFields(d.data), ...textFields({ type: d.type, actor: d.actor, action_id: f.action_id, data: d.data }) };
    rows.push({
      audit: [i, f.id, ts, t0 + i, d.type, d.actor, f.action_id, x.agent_id, x.decision, x.status, x.risk_level, dataText, hash],
      body: x.body,
      agent: x.agent,
      op: c.ops([{ seq: i }])[0]! as Row['op'],
    });
    prev = hash;
  }
}

interface Variant {
  schema?: (s: string) => string;
  pragmas?: string[];
  pageSize?: number;
  /** FTS rows written every `ftsEvery` records in their own statement batch (inside the transaction that reaches it). */
  ftsEvery?: number;
  noFts?: boolean;
}
const FTS_RE = /prefix='3 4 5 6 7 8'/;
const VARIANTS: Record<string, Variant> = {
  current: {},
  'page-4k': { pageSize: 4096 },
  'no-fts': { noFts: true },
  'fts-no-prefix': { schema: (s) => s.replace(FTS_RE, '') },
  'fts-prefix-3': { schema: (s) => s.replace(FTS_RE, "prefix='3'") },
  'fts-prefix-3-5': { schema: (s) => s.replace(FTS_RE, "prefix='3 5'") },
  'fts-deferred-128': { ftsEvery: 128 },
  'fts-deferred-256': { ftsEvery: 256 },
  'fts-deferred-512': { ftsEvery: 512 },
  'fts-deferred-1024': { ftsEvery: 1024 },
  'fts-deferred-256-prefix-3': { ftsEvery: 256, schema: (s) => s.replace(FTS_RE, "prefix='3'") },
  'fts-deferred-4096': { ftsEvery: 4096 },
  'fts-automerge-8': { pragmas: ["INSERT INTO audit_fts(audit_fts, rank) VALUES ('automerge', 8)"] },
  'fts-pgsz-4000': { pragmas: ["INSERT INTO audit_fts(audit_fts, rank) VALUES ('pgsz', 4000)"] },
  'no-audit-indexes': { schema: (s) => s.replace(/CREATE INDEX IF NOT EXISTS audit_\w+ ON[^;]*;/g, '') },
  'no-actions-indexes': { schema: (s) => s.replace(/CREATE INDEX IF NOT EXISTS actions_\w+ ON[^;]*;/g, '') },
  'no-indexes-no-fts': {
    noFts: true,
    schema: (s) => s.replace(/CREATE INDEX IF NOT EXISTS \w+ ON[^;]*;/g, ''),
  },
  'cache-64m': { pragmas: ['PRAGMA cache_size = -65536'] },
  'no-fts-no-audit-indexes': { noFts: true, schema: (s) => s.replace(/CREATE INDEX IF NOT EXISTS audit_\w+ ON[^;]*;/g, '') },
  'no-fts-no-actions-indexes': { noFts: true, schema: (s) => s.replace(/CREATE INDEX IF NOT EXISTS actions_\w+ ON[^;]*;/g, '') },
  'no-fts-no-triggers': { noFts: true, schema: (s) => s.replace(/CREATE TRIGGER IF NOT EXISTS actions_count_\w+[\s\S]*?END;/g, '') },
  // The Dashboard's rollup (schema 6, storage/rollup.ts) against the schema without its triggers.
  'no-fts-no-rollup': {
    noFts: true,
    schema: (s) => s.replace(/CREATE TRIGGER IF NOT EXISTS actions_(rollup|review)_\w+[\s\S]*?END;/g, ''),
  },
};

const INSERT_AUDIT =
  'INSERT INTO audit(seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)';
const INSERT_FTS = 'INSERT INTO audit_fts(rowid, body, agent) VALUES (?, ?, ?)';

function run(name: string, v: Variant): void {
  const dir = mkdtempSync(join(tmpdir(), 'gh-wv-'));
  const path = join(dir, 'gatehouse.sqlite');
  const conn = new Connection(path);
  conn.exec(`PRAGMA page_size = ${v.pageSize ?? 2048}`);
  conn.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -8192; PRAGMA wal_autocheckpoint = 4000');
  conn.exec((v.schema ?? ((s: string) => s))(SCHEMA_SQL + FTS_SCHEMA_SQL)); // one file here (the store keeps the index in its own)
  for (const p of v.pragmas ?? []) conn.exec(p);
  const ins = conn.db.prepare(INSERT_AUDIT);
  const fts = conn.db.prepare(INSERT_FTS);
  const opStmt = conn.db.prepare(rows[0]!.op.sql);
  const toBind = (a: (string | number | null)[]) => a.map((p) => (typeof p === 'number' && Number.isSafeInteger(p) ? BigInt(p) : p));
  let ftsDone = 0;
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  let worst = 0;
  for (let i = 0; i < N; i += BATCH) {
    const s = performance.now();
    conn.exec('BEGIN IMMEDIATE');
    for (let k = i; k < Math.min(N, i + BATCH); k++) {
      const r = rows[k]!;
      opStmt.run(...toBind(r.op.params));
      ins.run(...toBind(r.audit));
      if (!v.noFts && !v.ftsEvery) fts.run(BigInt(r.audit[0] as number), r.body, r.agent);
    }
    const end = Math.min(N, i + BATCH);
    if (v.ftsEvery && (end - ftsDone >= v.ftsEvery || end === N)) {
      for (; ftsDone < end; ftsDone++) fts.run(BigInt(rows[ftsDone]!.audit[0] as number), rows[ftsDone]!.body, rows[ftsDone]!.agent);
    }
    conn.exec('COMMIT');
    worst = Math.max(worst, performance.now() - s);
  }
  const wall = performance.now() - t0;
  const cpu = process.threadCpuUsage(cpu0);
  conn.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  conn.close();
  const size = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `${name.padEnd(20)} cpu ${(((cpu.user + cpu.system) / N) | 0).toString().padStart(5)} µs/rec  wall ${((wall * 1000) / N).toFixed(0).padStart(5)} µs/rec  ` +
      `${Math.round(N / (wall / 1000))
        .toLocaleString('en-US')
        .padStart(7)} rec/s  worst tx ${worst.toFixed(1).padStart(6)} ms  ${(size / N).toFixed(0)} B/rec`,
  );
}

const names = process.argv.slice(2).filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
console.log(`${N} records, ${BATCH} per transaction, synchronous=FULL`);
for (const name of names.length ? names : Object.keys(VARIANTS)) run(name, VARIANTS[name]!);
