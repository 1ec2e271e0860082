import type { ExportFormat } from '../../src-shared/index.js';
import { ZERO_HASH } from '../../src-shared/index.js';
import type { Store } from '../storage/types.js';
import { canonicalLine } from './chain.js';
import { CSV_HEADER, cefLine, csvRow } from './formats.js';
import { seqRange } from './range.js';

export interface ExportOptions {
  format: ExportFormat;
  since?: string;
  until?: string;
  /** Records read per batch (one chunk is yielded per batch). */
  batch?: number;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  cef: 'text/plain; charset=utf-8',
};

/**
 * Streams the audit log as text chunks (SPEC 7.5), one chunk per batch of records read from the
 * store, so memory stays flat however long the log is. The export covers the records that exist
 * when it starts (up to the head at that moment), filtered by time with since/until (inclusive).
 * `jsonl` lines are the exact SPEC 7.1 records, byte for byte what the hash chain covers.
 */
export async function* exportAudit(store: Store, opts: ExportOptions): AsyncGenerator<string> {
  const batch = opts.batch ?? 1000; // small enough for each batch's strings to die young (see verify.ts)
  const { lo, hi } = seqRange(store, opts.since, opts.until);
  if (opts.format === 'csv') yield CSV_HEADER;
  if (lo > hi) return;
  let prev = lo === 1 ? ZERO_HASH : (store.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [lo - 1])?.hash ?? ZERO_HASH);
  let after = lo - 1;
  while (after < hi) {
    const rows = store.auditRows(after, Math.min(batch, hi - after));
    if (!rows.length) break;
    let out = '';
    if (opts.format === 'jsonl') {
      for (const row of rows) {
        out += `${canonicalLine(row, prev)}\n`;
        prev = row.hash;
      }
    } else if (opts.format === 'csv') {
      for (const row of rows) {
        out += csvRow(row, prev);
        prev = row.hash;
      }
    } else {
      for (const row of rows) out += cefLine(row, Date.parse(row.ts));
    }
    after = rows[rows.length - 1]!.seq;
    yield out;
  }
}

/** A whole export as one string (tests, small logs). */
export async function exportToString(store: Store, opts: ExportOptions): Promise<string> {
  let s = '';
  for await (const chunk of exportAudit(store, opts)) s += chunk;
  return s;
}
