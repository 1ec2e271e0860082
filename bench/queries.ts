// The console's page queries the storage benches time (bench/storage.ts reports them, bench/query-shapes.ts
// times them one shape at a time): filtered pages newest first, half of them at a random depth, and
// free-text searches alone or within one agent's records.
import { queryAudit } from '../src-main/audit/query.js';
import type { PageReader } from '../src-main/services/page-reader.js';
import type { PageReads } from '../src-main/storage/types.js';
import { AGENTS, pick, rand } from './records.js';

type Query = Parameters<typeof queryAudit>[1];

/** A cursor somewhere in the log, as a user paging back would send. */
const cursorAt = (seq: number) => Buffer.from(`a${seq}`).toString('base64url');

/** Filtered pages of 100 by agent, by decision, by agent and risk; odd ones start at a random depth of a log of `head` records. */
export function pageShapes(head: number): { name: string; make: (k: number) => Query }[] {
  const deep = (k: number) => (k % 2 ? cursorAt(1 + rand(head)) : undefined);
  return [
    { name: 'agent', make: (k) => ({ agent_id: pick(AGENTS), limit: 100, cursor: deep(k) }) },
    { name: 'decision', make: (k) => ({ decision: pick(['allowed', 'denied', 'pending'] as const), limit: 100, cursor: deep(k) }) },
    {
      name: 'agent+risk',
      make: (k) => ({
        agent_id: pick(AGENTS),
        risk_level: pick(['low', 'medium', 'high', 'critical'] as const),
        limit: 100,
        cursor: deep(k),
      }),
    },
  ];
}

export const SEARCH_TERMS = [
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

/** Free text cycling through SEARCH_TERMS, alone or within one agent's records. */
export const searchShapes: { name: string; make: (k: number) => Query }[] = [
  { name: 'text', make: (k) => ({ q: SEARCH_TERMS[k % SEARCH_TERMS.length], limit: 100 }) },
  { name: 'text+agent', make: (k) => ({ q: SEARCH_TERMS[k % SEARCH_TERMS.length], agent_id: pick(AGENTS), limit: 100 }) },
];

/**
 * Runs `n` queries made by `make` as the API reads them, on the page thread (services/page-reader.ts),
 * one after another; their times in ms from the call to the answer on this thread, sorted.
 */
export async function timeThreadQueries(pages: PageReader, n: number, make: (k: number) => Query): Promise<number[]> {
  const t: number[] = [];
  for (let k = 0; k < n; k++) {
    const q = make(k);
    const s = performance.now();
    await pages.audit(q);
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b);
}

/** Runs `n` queries made by `make` on the calling thread's connection; their times in ms, sorted. */
export function timeQueries(store: PageReads, n: number, make: (k: number) => Query): number[] {
  const t: number[] = [];
  for (let k = 0; k < n; k++) {
    const q = make(k);
    const s = performance.now();
    queryAudit(store, q);
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b);
}
