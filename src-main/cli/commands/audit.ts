import type { WriteStream } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { VerifyResultSchema, type ExportFormat, type VerifyResult } from '../../../src-shared/index.js';
import { readFile } from 'node:fs/promises';
import { parsePublicKey } from '../../audit/audit-key.js';
import { basename, join } from 'node:path';
import { concatLines, listArchives } from '../../audit/archive.js';
import { verifyCheckpoint } from '../../audit/checkpoint.js';
import { verifyJsonlFile, verifyJsonlLines } from '../../audit/verify.js';
import { checkAgainstCheckpoint, SignedTreeBuilder } from '../../audit/verify-signed.js';

/**
 * `gatehouse audit export` and `gatehouse audit verify` (SPEC 6). Decoupled from commander: the CLI
 * wiring passes the options and exits with the returned code (0 ok, 1 bad or failed). Results are
 * one line on stdout; a progress line is drawn on stderr only when stderr is a terminal.
 */

interface Out {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream;
}
const defaultOut = (): Out => ({ stdout: (s) => void process.stdout.write(s), stderr: process.stderr });

/** A one-line progress indicator, silent when stderr is not a TTY. */
class Progress {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  get active(): boolean {
    return Boolean(this.stream.isTTY);
  }
  /** `label` may be a function: it is then only called when the line is drawn (at most every 100 ms). */
  update(label: string | (() => string), done: number, total?: number): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.last < 100 && (total === undefined || done < total)) return;
    this.last = now;
    let line = typeof label === 'function' ? label() : label;
    if (total) {
      const frac = Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(frac * width);
      line += ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%`;
    }
    this.stream.write(`\r\x1b[2K${line}`);
  }
  done(): void {
    if (this.active) this.stream.write('\r\x1b[2K');
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The line feeds in a chunk, found by the native search (a loop over each byte in JS cost seconds per GB). */
function newlines(chunk: Uint8Array): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

async function errorLine(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${res.status} ${body.error.code ?? ''}: ${body.error.message}`.replace(' :', ':');
  } catch {
    // not JSON
  }
  return `${res.status} ${res.statusText}`;
}

const unreachable = (url: string, e: unknown): string =>
  `cannot reach Gatehouse at ${url} (${(e as Error).message}). Is the server running? (gatehouse serve)`;

export interface AuditExportOptions {
  format: ExportFormat;
  /** Archives first (SPEC 7.7): the whole log as one chain. */
  includeArchive?: boolean;
  since?: string;
  until?: string;
  out: string;
  url: string;
  apiKey: string;
}

/**
 * Streams `GET {url}/api/v1/audit/export` to `out` (through `out.part`, renamed when complete, so a
 * half-written export never looks whole). Returns the exit code.
 */
export async function auditExport(opts: AuditExportOptions, io: Out = defaultOut()): Promise<number> {
  const qs = new URLSearchParams({ format: opts.format });
  if (opts.since) qs.set('since', opts.since);
  if (opts.until) qs.set('until', opts.until);
  if (opts.includeArchive) qs.set('include_archive', 'true');
  const url = `${opts.url.replace(/\/$/, '')}/api/v1/audit/export?${qs}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'X-API-Key': opts.apiKey } });
  } catch (e) {
    io.stderr.write(`gatehouse: ${unreachable(opts.url, e)}\n`);
    return 1;
  }
  if (!res.ok || !res.body) {
    io.stderr.write(`gatehouse: export failed: ${await errorLine(res)}\n`);
    return 1;
  }
  const part = `${opts.out}.part`;
  // The audit log holds what agents did: the file is the user's alone (0600), like the data dir.
  // A stale .part from an earlier run is removed first: opening it would keep its old mode.
  await unlink(part).catch(() => undefined);
  let file: WriteStream;
  try {
    file = (await open(part, 'wx', 0o600)).createWriteStream();
  } catch (e) {
    await res.body.cancel().catch(() => undefined);
    io.stderr.write(`gatehouse: export failed: cannot write ${opts.out}: ${(e as Error).message}\n`);
    return 1;
  }
  // A write that fails between two awaits (a full disk) is kept and reported, never an unhandled error.
  let writeError: Error | null = null;
  file.on('error', (e) => (writeError ??= e));
  const progress = new Progress(io.stderr);
  let bytes = 0;
  let lines = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (writeError) throw writeError;
      bytes += chunk.length;
      lines += newlines(chunk);
      if (!file.write(chunk)) await once(file, 'drain');
      progress.update(() => `exporting: ${lines.toLocaleString('en-US')} lines, ${mb(bytes)}`, bytes);
    }
    file.end();
    await once(file, 'finish');
    await chmod(part, 0o600); // whatever the umask did
    await rename(part, opts.out);
  } catch (e) {
    progress.done();
    file.destroy();
    await unlink(part).catch(() => undefined);
    io.stderr.write(`gatehouse: export failed: ${(e as Error).message}\n`);
    return 1;
  }
  progress.done();
  const records = opts.format === 'csv' ? Math.max(0, lines - 1) : lines;
  io.stdout(`exported ${records.toLocaleString('en-US')} records (${opts.format}, ${mb(bytes)}) to ${opts.out}\n`);
  return 0;
}

export interface AuditVerifyOptions {
  /** Verify this JSONL export offline (no server needed). */
  file?: string;
  /** With `file`: a signed checkpoint (C2SP note) the export must reproduce (SPEC 7.6). */
  checkpoint?: string;
  /** With `checkpoint`: the public key (audit-key.pub, a C2SP verifier key, or base64). */
  publicKey?: string;
  /** Accept a file that starts after seq 1 (an export made with --since). */
  partial?: boolean;
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/** One line describing a verification result. */
export function describeVerify(r: VerifyResult, what: string): string {
  if (r.ok) return `${what}: OK, ${r.records.toLocaleString('en-US')} records, head ${r.head_hash ?? '(empty)'}`;
  return `${what}: BROKEN at seq ${r.first_bad_seq}: ${r.error ?? 'hash chain mismatch'} (${r.records.toLocaleString('en-US')} records verified before it)`;
}

/**
 * Verifies an exported file offline (`--file`), or the live log through `GET /api/v1/audit/verify`.
 * Returns 0 when the chain verifies, 1 when it does not (the first bad seq is printed) or on error.
 */
export async function auditVerify(opts: AuditVerifyOptions, io: Out = defaultOut()): Promise<number> {
  if (opts.checkpoint || opts.publicKey) return verifySigned(opts, io);
  let result: VerifyResult;
  let what: string;
  if (opts.file) {
    what = opts.file;
    const progress = new Progress(io.stderr);
    try {
      result = await verifyJsonlFile(opts.file, {
        partial: opts.partial,
        onProgress: (done, total) => progress.update('verifying', done, total),
      });
    } catch (e) {
      progress.done();
      io.stderr.write(`gatehouse: cannot verify ${opts.file}: ${(e as Error).message}\n`);
      return 1;
    }
    progress.done();
  } else {
    if (!opts.url || !opts.apiKey) {
      io.stderr.write('gatehouse: no server to verify against: pass --file EXPORT.jsonl, or start Gatehouse\n');
      return 1;
    }
    what = 'audit log';
    const progress = new Progress(io.stderr);
    progress.update('verifying the live audit log...', 0);
    let res: Response;
    try {
      res = await fetch(`${opts.url.replace(/\/$/, '')}/api/v1/audit/verify`, { headers: { 'X-API-Key': opts.apiKey } });
    } catch (e) {
      progress.done();
      io.stderr.write(`gatehouse: ${unreachable(opts.url, e)}\n`);
      return 1;
    }
    progress.done();
    if (!res.ok) {
      io.stderr.write(`gatehouse: verify failed: ${await errorLine(res)}\n`);
      return 1;
    }
    const parsed = VerifyResultSchema.safeParse(await res.json().catch(() => null));
    if (!parsed.success) {
      io.stderr.write('gatehouse: verify failed: the server answered something that is not a verification result\n');
      return 1;
    }
    result = parsed.data;
  }
  io.stdout(opts.json ? `${JSON.stringify(result)}\n` : `${describeVerify(result, what)}\n`);
  return result.ok ? 0 : 1;
}

/**
 * `audit verify --file EXPORT --checkpoint CP --public-key KEY`: the chain, then the export against
 * the signed tree (see audit/verify-signed.ts for what this can and cannot localise).
 */
async function verifySigned(opts: AuditVerifyOptions, io: Out): Promise<number> {
  if (!opts.file || !opts.checkpoint || !opts.publicKey) {
    io.stderr.write('gatehouse: --checkpoint and --public-key go together, with --file EXPORT.jsonl\n');
    return 1;
  }
  let cpText: string;
  let key: Buffer;
  try {
    cpText = await readFile(opts.checkpoint, 'utf8');
    key = parsePublicKey(await readFile(opts.publicKey, 'utf8'));
  } catch (e) {
    io.stderr.write(`gatehouse: cannot verify: ${(e as Error).message}\n`);
    return 1;
  }
  const built = new SignedTreeBuilder();
  const progress = new Progress(io.stderr);
  let chain: VerifyResult;
  try {
    chain = await verifyJsonlFile(opts.file, { onRecord: built.onRecord, onProgress: (d, t) => progress.update('verifying', d, t) });
  } catch (e) {
    progress.done();
    io.stderr.write(`gatehouse: cannot verify ${opts.file}: ${(e as Error).message}\n`);
    return 1;
  }
  progress.done();
  const r = checkAgainstCheckpoint(chain, built, cpText, key);
  if (opts.json)
    io.stdout(`${JSON.stringify({ ...r, checkpoint: r.checkpoint && { ...r.checkpoint, root: r.checkpoint.root.toString('hex') } })}\n`);
  else io.stdout(`${opts.file}:\n${r.lines.map((l) => `  ${l}`).join('\n')}\n`);
  return r.ok ? 0 : 1;
}

export interface ArchiveVerifyOptions {
  dataDir: string;
  url: string;
  apiKey: string;
  /** Default: `audit-key.pub` in the data dir. */
  publicKey?: string;
  json?: boolean;
}

/** The live log's JSONL export, line by line, from the server. */
async function* liveLines(url: string, apiKey: string): AsyncGenerator<string> {
  const res = await fetch(`${url.replace(/\/$/, '')}/api/v1/audit/export?format=jsonl`, { headers: { 'X-API-Key': apiKey } });
  if (!res.ok || !res.body) throw new Error(`the live export failed: ${await errorLine(res)}`);
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const l of lines) if (l) yield l;
  }
  if (rest) yield rest;
}

/**
 * `gatehouse audit verify --archive`: every archive (SPEC 7.7) and the live log as one chain from
 * seq 1, and each archive's checkpoint: its signature, and that the records up to it reproduce its
 * root. A removed or altered archive breaks one or the other.
 */
export async function verifyArchives(opts: ArchiveVerifyOptions, io: Out = defaultOut()): Promise<number> {
  const archives = listArchives(opts.dataDir);
  const lines: string[] = [];
  let ok = true;
  let key: Buffer;
  try {
    key = parsePublicKey(await readFile(opts.publicKey ?? join(opts.dataDir, 'audit-key.pub'), 'utf8'));
  } catch (e) {
    io.stderr.write(`gatehouse: cannot verify the archives: no public key (${(e as Error).message})\n`);
    return 1;
  }
  const built = new SignedTreeBuilder();
  let chain: VerifyResult;
  try {
    chain = await verifyJsonlLines(concatLines(archives, liveLines(opts.url, opts.apiKey)), { onRecord: built.onRecord });
  } catch (e) {
    io.stderr.write(`gatehouse: cannot verify: ${(e as Error).message}\n`);
    return 1;
  }
  if (!chain.ok) {
    ok = false;
    lines.push(`BROKEN at seq ${chain.first_bad_seq}: ${chain.error ?? 'hash mismatch'} (an archive removed, altered or out of place?)`);
  }
  for (const a of archives) {
    const name = basename(a.path);
    if (!a.checkpointPath) {
      ok = false;
      lines.push(`${name}: the checkpoint beside it is missing`);
      continue;
    }
    try {
      const cp = verifyCheckpoint(await readFile(a.checkpointPath, 'utf8'), key);
      if (cp.size !== a.last) throw new Error(`it covers ${cp.size} records, the archive ends at ${a.last}`);
      if (built.tree.size < cp.size) throw new Error('the records it covers were not all read');
      if (!built.tree.root(cp.size).equals(cp.root)) throw new Error(`records 1..${cp.size} do not reproduce its signed root`);
      lines.push(`${name}: records ${a.first}..${a.last}, checkpoint signature and root OK`);
    } catch (e) {
      ok = false;
      lines.push(`${name}: ${(e as Error).message}`);
    }
  }
  if (ok)
    lines.push(
      `OK: ${archives.length} archive(s) and the live log are one chain of ${chain.records.toLocaleString('en-US')} records, head ${chain.head_hash}`,
    );
  if (opts.json) io.stdout(`${JSON.stringify({ ok, archives: archives.length, chain, lines })}\n`);
  else io.stdout(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
