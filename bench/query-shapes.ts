// Profiling aid (not part of `npm run bench`): the storage bench's page queries timed one shape at a
// time, on a store it builds once (32 commits in flight, the bench's records) and reopens after, so
// the same file can be measured before and after a change. Each shape: 400 pages (half at a random
// depth), each free-text term 20 times, text + agent 120 times.
// Run: node --import tsx bench/query-shapes.ts [records=200000] [data dir=/tmp/qdb-<records>]
import { existsSync, mkdirSync } from 'node:fs';
import { queryAudit } from '../src-main/audit/query.js';
import { openStore } from '../src-main/storage/store.js';
import { AGENTS, commitFor, pick, rand } from './records.js';

const N = Number(process.argv[2] ?? 200_000);
const dataDir = process.argv[3] ?? `/tmp/qdb-${N}`;
const fresh = !existsSync(dataDir);
mkdirSync(dataDir, { recursive: true });
const store = await openStore({ dataDir });
await store.writerReady();
if (fresh) {
  let next = 1;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next <= N) {
        const c = commitFor(next++, Date.now());
        await store.commit(c.ops, c.audit);
      }
    }),
  );
  await store.fullTextReady();
  console.log(`built ${N.toLocaleString('en-US')} records in ${dataDir}`);
}
const head = store.head().seq;
const cursorAt = (seq: number) => Buffer.from(`a${seq}`).toString('base64url');
const deep = (k: number) => (k % 2 ? cursorAt(1 + rand(head)) : undefined);

function time(label: string, n: number, make: (k: number) => Parameters<typeof queryAudit>[1]): void {
  const t: number[] = [];
  for (let k = 0; k < n; k++) {
    const q = make(k);
    const s = performance.now();
    queryAudit(store, q);
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  const at = (p: number) => t[Math.min(n - 1, Math.floor(n * p))]!.toFixed(2);
  console.log(`${label.padEnd(28)} p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  max ${t[n - 1]!.toFixed(2)} ms`);
}

queryAudit(store, { agent_id: 'agent-1' }); // warm the statement cache
time('agent', 400, (k) => ({ agent_id: pick(AGENTS), limit: 100, cursor: deep(k) }));
time('decision', 400, (k) => ({ decision: pick(['allowed', 'denied', 'pending'] as const), limit: 100, cursor: deep(k) }));
time('agent+risk', 400, (k) => ({
  agent_id: pick(AGENTS),
  risk_level: pick(['low', 'medium', 'high', 'critical'] as const),
  limit: 100,
  cursor: deep(k),
}));
const terms = [
  'audit_logs',
  'nightly',
  'postgres',
  'table_42',
  'refund duplicate',
  'vendor-7',
  'claude-code',
  'prod-db-delete',
  'stripe',
  'quarterly report',
  'prod',
  'quart',
];
for (const term of terms) time(`q:${term}`, 20, () => ({ q: term, limit: 100 }));
time('q+agent', 120, (k) => ({ q: terms[k % terms.length], agent_id: pick(AGENTS), limit: 100 }));
await store.close();
