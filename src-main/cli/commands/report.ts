import { extname } from 'node:path';
import { BriefFormatSchema, type BriefFormat, type BriefWindow } from '../../../src-shared/index.js';
import { ApiError } from '../../../src-shared/client.js';
import { findChromium, htmlToPdf, isChromiumNotFound } from '../../services/brief/pdf.js';
import { CliError, connect } from '../context.js';
import { openExportTarget, type ExportTarget } from './export-target.js';

interface Flags {
  window: BriefWindow;
  format?: BriefFormat;
  out: string;
  dataDir?: string;
}

/** The format from --format, else from the file's extension (.pdf, .html/.htm, .json), else PDF. */
export function briefFormat(f: Pick<Flags, 'format' | 'out'>): BriefFormat {
  if (f.format) return f.format;
  const ext = extname(f.out).toLowerCase().replace(/^\./, '');
  const guess = ext === 'htm' ? 'html' : ext;
  const parsed = BriefFormatSchema.safeParse(guess);
  return parsed.success ? parsed.data : 'pdf';
}

/**
 * `gatehouse report brief [--window 30d] [--format pdf|html|json] --out FILE` (SPEC 6, 13). The
 * server collects the brief; a PDF is printed here, by the Chromium this machine has.
 */
export async function reportBrief(f: Flags): Promise<void> {
  const format = briefFormat(f);
  let chromium: string | undefined;
  if (format === 'pdf') {
    try {
      chromium = findChromium();
    } catch (e) {
      if (isChromiumNotFound(e)) throw new CliError(e.message);
      throw e;
    }
  }
  const api = connect(f);
  let bytes: string | Uint8Array;
  if (format === 'json') {
    bytes = `${JSON.stringify(await api.brief(f.window), null, 2)}\n`;
  } else {
    const res = await api.briefDocument(f.window, 'html');
    const text = await res.text();
    if (!res.ok) {
      let body = null;
      try {
        body = JSON.parse(text) as never;
      } catch {
        // not JSON
      }
      throw new ApiError(res.status, body);
    }
    bytes = format === 'html' ? text : await htmlToPdf(text, { chromium });
  }
  // As `audit export --out` does: `-` or a device (/dev/stdout) written as it is, a file through a
  // .part renamed when whole, a symlink kept. A rename onto `--out /dev/stdout` replaced the device.
  let target: ExportTarget | null = null;
  try {
    target = await openExportTarget(f.out, process.stdout);
    target.stream.write(bytes);
    await target.commit();
  } catch (e) {
    await target?.abort();
    throw new CliError(`cannot write ${f.out}: ${(e as Error).message}`);
  }
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  process.stderr.write(
    `Wrote ${f.out === '-' ? 'stdout' : f.out} (${format.toUpperCase()}, ${Math.max(1, Math.round(size / 1024))} KB, last ${f.window})\n`,
  );
}
