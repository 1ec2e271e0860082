import type { ExportFormat } from '../../../src-shared/index.js';
import { discoverServer } from '../discovery.js';
import { CliError } from '../context.js';
import { auditExport } from './audit.js';
import { auditVerify, verifyArchives } from './audit-verify.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

function endpoint(f: Flags): { url: string; apiKey: string; dataDir: string } {
  const ep = discoverServer({ dataDir: f.dataDir, scope: 'admin' });
  if (!ep)
    throw new CliError('Gatehouse is not running (no server.json in the data directory). Start it with `gatehouse serve` or `npm start`.');
  if (!ep.apiKey) throw new CliError('No admin key: set GATEHOUSE_API_KEY or check credentials.json in the data directory.');
  return { url: ep.url, apiKey: ep.apiKey, dataDir: ep.dataDir };
}

/** `gatehouse audit export --format F [--since] [--until] --out FILE` */
export function runAuditExport(
  f: Flags & { format: ExportFormat; since?: string; until?: string; out: string; includeArchive?: boolean },
): Promise<number> {
  const { url, apiKey } = endpoint(f);
  return auditExport({ format: f.format, since: f.since, until: f.until, out: f.out, url, apiKey, includeArchive: f.includeArchive });
}

/** `gatehouse audit verify [--file EXPORT.jsonl]` — offline with --file, else the live log. */
export function runAuditVerify(
  f: Flags & { file?: string; partial?: boolean; checkpoint?: string; publicKey?: string; prefix?: string; archive?: boolean },
): Promise<number> {
  if (f.archive) return verifyArchives({ ...endpoint(f), publicKey: f.publicKey, json: f.json });
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
