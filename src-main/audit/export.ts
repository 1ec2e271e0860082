import type { ExportFormat } from '../../src-shared/index.js';
import type { Store } from '../storage/types.js';
import { CSV_HEADER } from './formats.js';
import { seqRange } from './range.js';

export interface ExportOptions {
  format: ExportFormat;
  since?: string;
  until?: string;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  cef: 'text/plain; charset=utf-8',
};

/**
 * Streams the audit log as text chunks (SPEC 7.5), read from the store in batches (off the main
 * thread for a large range), so memory stays flat however long the log is. The export covers the
 * records that exist when it starts (up to the head at that moment), filtered by time with
 * since/until (inclusive). `jsonl` lines are the exact SPEC 7.1 records, byte for byte what the
 * hash chain covers.
 */
export async function* exportAudit(store: Store, opts: ExportOptions): AsyncGenerator<string> {
  const { lo, hi } = seqRange(store, opts.since, opts.until);
  if (opts.format === 'csv') yield CSV_HEADER;
  if (lo > hi) return;
  yield* store.exportChunks({ format: opts.format, lo, hi });
}

/** A whole export as one string (tests, small logs). */
export async function exportToString(store: Store, opts: ExportOptions): Promise<string> {
  let s = '';
  for await (const chunk of exportAudit(store, opts)) s += chunk;
  return s;
}
