// Profiling aid (not part of `npm run bench`): the storage bench's page queries (bench/queries.ts)
// timed one shape at a time, on a store it builds once (32 commits in flight, the bench's records)
// and reopens after, so the same file can be measured before and after a change.
// Run: node --import tsx bench/query-shapes.ts [records=200000] [data dir=/tmp/qdb-<records>]
import { existsSync, mkdirSync } from 'node:fs';
import { queryAudit } from '../src-main/audit/query.js';
import { openStore } from '../src-main/storage/store.js';
import { pageShapes, searchShapes, SEARCH_TERMS, timeQueries } from './queries.js';
import { commitFor } from './records.js';

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

function show(label: string, t: number[]): void {
  const at = (p: number) => t[Math.min(t.length - 1, Math.floor(t.length * p))]!.toFixed(2);
  console.log(`${label.padEnd(28)} p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  max ${t[t.length - 1]!.toFixed(2)} ms`);
}

queryAudit(store, { agent_id: 'agent-1' }); // warm the statement cache
for (const shape of pageShapes(store.head().seq)) show(shape.name, timeQueries(store, 400, shape.make));
for (const term of SEARCH_TERMS)
  show(
    `text: ${term}`,
    timeQueries(store, 20, () => ({ q: term, limit: 100 })),
  );
for (const shape of searchShapes) show(shape.name, timeQueries(store, 120, shape.make));
await store.close();
