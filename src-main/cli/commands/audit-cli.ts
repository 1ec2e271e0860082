import type { ExportFormat } from '../../../src-shared/index.js';
import { discoverServer } from '../discovery.js';
import { CliError, notRunning } from '../context.js';
import { auditExport } from './audit.js';
import { auditVerify, verifyArchives } from './audit-verify.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

function endpoint(f: Flags): { url: string; apiKey: string; dataDir: string } {
  const ep = discoverServer({ dataDir: f.dataDir, scope: 'admin' });
  if (!ep) throw notRunning(f.dataDir);
  if (!ep.apiKey) throw new CliError('No admin key: set GATEHOUSE_API_KEY or check credentials.json in the data directory.');
  return { url: ep.url, apiKey: ep.apiKey, dataDir: ep.dataDir };
}

/**
 * `--since` / `--until` as the API takes them: a full ISO time as given; a date alone (`2026-11-28`,
 * also ISO 8601) is that day's local midnight.
 */
export function isoBound(value: string | undefined, flag: string): string | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const t = new Date(`${value}T00:00:00`);
  // Date rolls a day past the month's end over (2026-02-30 is March 2nd): such a date is refused, never moved.
  const [y, m, d] = value.split('-').map(Number);
  if (Number.isNaN(t.getTime()) || t.getFullYear() !== y || t.getMonth() + 1 !== m || t.getDate() !== d)
    throw new CliError(`${flag} ${value} is not a date (use YYYY-MM-DD or an ISO time such as 2026-11-28T09:00:00Z)`);
  return t.toISOString();
}

/** `gatehouse audit export --format F [--since] [--until] --out FILE|-` */
export function runAuditExport(
  f: Flags & { format: ExportFormat; since?: string; until?: string; out: string; includeArchive?: boolean },
): Promise<number> {
  const since = isoBound(f.since, '--since');
  const until = isoBound(f.until, '--until');
  // Refused here too (the server's 400 names `until`): the flags are what the user typed.
  if (since !== undefined && until !== undefined && Date.parse(until) < Date.parse(since))
    throw new CliError(`--until ${f.until} is before --since ${f.since}: the window would hold nothing`);
  const { url, apiKey } = endpoint(f);
  return auditExport({ format: f.format, since, until, out: f.out, url, apiKey, includeArchive: f.includeArchive });
}

/** `gatehouse audit verify [--file EXPORT.jsonl]` — offline with --file, else the live log. */
export function runAuditVerify(
  f: Flags & { file?: string; partial?: boolean; checkpoint?: string; publicKey?: string; prefix?: string; archive?: boolean },
): Promise<number> {
  if (f.archive) return verifyArchives({ ...endpoint(f), publicKey: f.publicKey, json: f.json });
  // A checkpoint is checked against a file's records; the live log's own check would silently ignore it.
  if (!f.file && (f.checkpoint || f.prefix || f.partial))
    throw new CliError(
      `${f.checkpoint ? '--checkpoint' : f.prefix ? '--prefix' : '--partial'} needs --file EXPORT.jsonl (export the log with \`gatehouse audit export --format jsonl --out FILE\`)`,
    );
  if (f.file)
    return auditVerify({
      file: f.file,
      partial: f.partial,
      json: f.json,
      checkpoint: f.checkpoint,
      publicKey: f.publicKey,
      prefix: f.prefix,
    });
  return auditVerify({ ...endpoint(f), json: f.json });
}
