import { renameSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { BriefFormatSchema, type BriefFormat, type BriefWindow } from '../../../src-shared/index.js';
import { ApiError } from '../../../src-shared/client.js';
import { ChromiumNotFoundError, findChromium, htmlToPdf } from '../../services/brief/pdf.js';
import { CliError, connect } from '../context.js';

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

/** Writes next to the target and renames, so a failure never leaves half a file under its name. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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
      if (e instanceof ChromiumNotFoundError) throw new CliError(e.message);
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
  try {
    writeAtomically(f.out, bytes);
  } catch (e) {
    throw new CliError(`cannot write ${f.out}: ${(e as Error).message}`);
  }
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  process.stderr.write(`Wrote ${f.out} (${format.toUpperCase()}, ${Math.max(1, Math.round(size / 1024))} KB, last ${f.window})\n`);
}
