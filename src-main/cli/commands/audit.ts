import { once } from 'node:events';
import { announcedRecords, type ExportFormat } from '../../../src-shared/index.js';
import { defaultOut, errorLine, Progress, unreachable, type Out } from './audit-io.js';
import { openExportTarget, type ExportTarget } from './export-target.js';

/**
 * `gatehouse audit export` (SPEC 6; verify is in audit-verify.ts). Decoupled from commander: the CLI
 * wiring passes the options and exits with the returned code (0 ok, 1 failed). Results are one line
 * on stdout; a progress line is drawn on stderr only when stderr is a terminal: a bar with percent
 * when the server announces the record count (`X-Gatehouse-Records`), else a running count.
 */

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The line feeds in a chunk, found by the native search (a loop over each byte in JS cost seconds per GB). */
function newlines(chunk: Uint8Array): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

export interface AuditExportOptions {
  format: ExportFormat;
  /** Archives first (SPEC 7.7): the whole log as one chain. */
  includeArchive?: boolean;
  since?: string;
  until?: string;
  /** A file (written through `.part`), `-` for stdout, or a device or pipe (`/dev/stdout`). */
  out: string;
  url: string;
  apiKey: string;
}

/**
 * Streams `GET {url}/api/v1/audit/export` to `out` (export-target.ts: a file through `.part`, renamed
 * when complete, so a half-written export never looks whole; `-` or a device as it is). Returns the
 * exit code. The summary line goes to stdout, or to stderr when the export itself went there.
 */
export async function auditExport(opts: AuditExportOptions, io: Out = defaultOut()): Promise<number> {
  const qs = new URLSearchParams({ format: opts.format });
  if (opts.since) qs.set('since', opts.since);
  if (opts.until) qs.set('until', opts.until);
  if (opts.includeArchive) qs.set('include_archive', 'true');
  const url = `${opts.url.replace(/\/$/, '')}/api/v1/audit/export?${qs}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'X-API-Key': opts.apiKey }, redirect: 'manual' });
  } catch (e) {
    io.stderr.write(`gatehouse: ${unreachable(opts.url, e)}\n`);
    return 1;
  }
  if (!res.ok || !res.body) {
    io.stderr.write(`gatehouse: export failed: ${await errorLine(res)}\n`);
    return 1;
  }
  let target: ExportTarget;
  try {
    target = await openExportTarget(opts.out, io.raw ?? process.stdout);
  } catch (e) {
    await res.body.cancel().catch(() => undefined);
    io.stderr.write(`gatehouse: export failed: cannot write ${opts.out}: ${(e as Error).message}\n`);
    return 1;
  }
  // A write that fails between two awaits (a full disk) is kept and reported, never an unhandled error.
  let writeError: Error | null = null;
  const file = target.stream;
  const onError = (e: Error) => (writeError ??= e);
  file.on('error', onError);
  const progress = new Progress(io.stderr);
  const total = announcedRecords(res.headers);
  const headerLines = opts.format === 'csv' ? 1 : 0;
  let bytes = 0;
  let lines = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (writeError) throw writeError;
      bytes += chunk.length;
      lines += newlines(chunk);
      if (!file.write(chunk)) await once(file, 'drain');
      if (total === null) progress.update(() => `exporting: ${lines.toLocaleString('en-US')} lines, ${mb(bytes)}`, bytes);
      else {
        const done = Math.max(0, lines - headerLines);
        progress.update(
          () => `exporting: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records, ${mb(bytes)}`,
          done,
          total,
        );
      }
    }
    await target.commit();
    if (writeError) throw writeError;
  } catch (e) {
    progress.done();
    await target.abort();
    io.stderr.write(`gatehouse: export failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    file.off('error', onError);
  }
  progress.done();
  const records = Math.max(0, lines - headerLines);
  const summary = `exported ${records.toLocaleString('en-US')} records (${opts.format}, ${mb(bytes)}) to ${opts.out === '-' ? 'stdout' : opts.out}\n`;
  if (target.isStream) io.stderr.write(summary);
  else io.stdout(summary);
  return 0;
}
