import type { ExportFormat } from '../../src-shared/index.js';
import type { Store } from '../storage/types.js';
import { archiveLines, listArchives } from './archive.js';
import { CSV_HEADER } from './formats.js';
import { seqRange } from './range.js';

export interface ExportOptions {
  format: ExportFormat;
  since?: string;
  until?: string;
  /** Stream the archives (SPEC 7.7) first: the whole log as one chain (JSONL, no time window). */
  include_archive?: boolean;
}

export class ExportOptionsError extends Error {
  override readonly name = 'ExportOptionsError';
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
  if (opts.include_archive) {
    if (opts.format !== 'jsonl') throw new ExportOptionsError('include_archive exports JSONL only (the archives are JSONL)');
    if (opts.since !== undefined || opts.until !== undefined)
      throw new ExportOptionsError('include_archive exports the whole log: leave out since and until');
    yield* archivedChunks(store);
  }
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

/** The archived records, as the export lines they were written as, in chunks of up to 1,000. */
async function* archivedChunks(store: Store): AsyncGenerator<string> {
  for (const a of listArchives(store.dataDir)) {
    if (a.last > store.archiveHead().seq) continue; // written, not yet committed as archived
    let chunk = '';
    let n = 0;
    for await (const line of archiveLines(a.path)) {
      chunk += `${line}\n`;
      if (++n === 1000) {
        yield chunk;
        chunk = '';
        n = 0;
      }
    }
    if (chunk) yield chunk;
  }
}
