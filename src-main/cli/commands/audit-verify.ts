import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { VerifyResultSchema, type VerifyResult } from '../../../src-shared/index.js';
import { concatLines, listArchives, prefixBeside, type ArchiveFile } from '../../audit/archive.js';
import { readPrefix, type CheckedPrefix } from '../../audit/archive-prefix.js';
import { parsePublicKey } from '../../audit/audit-key.js';
import { verifyCheckpoint } from '../../audit/checkpoint.js';
import { decompose } from '../../audit/merkle.js';
import { verifyJsonlFile, verifyJsonlLines } from '../../audit/verify.js';
import { SignedTreeBuilder, verifyFileSigned, type SignedVerifyResult } from '../../audit/verify-signed.js';
import { defaultOut, errorLine, Progress, unreachable, type Out } from './audit-io.js';

/**
 * `gatehouse audit verify` (SPEC 6, 7.6, 7.7): the live log through the server, an export or an
 * archive offline (alone, or against a signed checkpoint), or every archive and the live log as
 * one chain. Returns the exit code: 0 when it verifies, 1 when it does not or on error.
 */

export interface AuditVerifyOptions {
  /** Verify this JSONL export offline (no server needed). */
  file?: string;
  /** With `file`: a signed checkpoint (C2SP note) the export must reproduce (SPEC 7.6). */
  checkpoint?: string;
  /** With `checkpoint`: the public key (audit-key.pub, a C2SP verifier key, or base64). */
  publicKey?: string;
  /** Accept a file that starts after seq 1 (an export made with --since). */
  partial?: boolean;
  /**
   * With `file`: the prefix file of an archive (SPEC 7.7), which the file's chain and tree continue
   * from. Default: the `.prefix.json` beside the file, if there is one.
   */
  prefix?: string;
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/** One line describing a verification result. */
export function describeVerify(r: VerifyResult, what: string): string {
  const n = r.records.toLocaleString('en-US');
  if (r.ok && r.archived_records)
    return `${what}: OK, ${n} records, head ${r.head_hash ?? '(empty)'} (records 1..${r.archived_records.toLocaleString('en-US')} are archived: gatehouse audit verify --archive checks them)`;
  if (r.ok) return `${what}: OK, ${n} records, head ${r.head_hash ?? '(empty)'}`;
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
      const prefix = await prefixOf(opts.file, opts.prefix);
      if (prefix?.size) what += ` (after its prefix of ${prefix.size.toLocaleString('en-US')} records)`;
      result = await verifyJsonlFile(opts.file, {
        partial: opts.partial,
        start: prefix ? { seq: prefix.size + 1, prev: prefix.prevHash } : undefined,
        onProgress: (done, total) => progress.update('verifying', done, total),
      });
    } catch (e) {
      progress.done();
      io.stderr.write(`gatehouse: cannot verify ${opts.file}: ${(e as Error).message}\n`);
      return 1;
    }
    progress.done();
    if (!result.ok && !opts.partial && result.first_bad_seq === 1 && /^the file starts at seq \d+/.test(result.error ?? ''))
      io.stderr.write('  (an export made with --since starts after seq 1: add --partial to check the records it holds)\n');
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
      res = await fetch(`${opts.url.replace(/\/$/, '')}/api/v1/audit/verify`, {
        headers: { 'X-API-Key': opts.apiKey },
        redirect: 'manual',
      });
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

/** The prefix a file continues from: `--prefix`, else the `.prefix.json` beside it, else none. */
async function prefixOf(file: string, explicit: string | undefined): Promise<CheckedPrefix | null> {
  const path = explicit ?? (existsSync(prefixBeside(file)) ? prefixBeside(file) : null);
  return path ? readPrefix(path) : null;
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
  let prefix: CheckedPrefix | null;
  try {
    cpText = await readFile(opts.checkpoint, 'utf8');
    key = parsePublicKey(await readFile(opts.publicKey, 'utf8'));
    prefix = await prefixOf(opts.file, opts.prefix);
  } catch (e) {
    io.stderr.write(`gatehouse: cannot verify: ${(e as Error).message}\n`);
    return 1;
  }
  const progress = new Progress(io.stderr);
  let r: SignedVerifyResult;
  try {
    r = await verifyFileSigned(opts.file, cpText, key, prefix, (d, t) => progress.update('verifying', d, t));
  } catch (e) {
    progress.done();
    io.stderr.write(`gatehouse: cannot verify ${opts.file}: ${(e as Error).message}\n`);
    return 1;
  }
  progress.done();
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
  // The same line as every other verb when the server is gone (it said only "fetch failed").
  const res = await fetch(`${url.replace(/\/$/, '')}/api/v1/audit/export?format=jsonl`, {
    headers: { 'X-API-Key': apiKey },
    redirect: 'manual',
  }).catch((e: unknown) => {
    throw new Error(unreachable(url, e));
  });
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
 * seq 1, and each archive on its own against its checkpoint (see checkArchive). A removed or
 * altered archive breaks one or the other; the lines say which archives are still intact.
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
  // The longest verify (every archive and the whole live log): a progress line on a terminal, as the others have.
  const progress = new Progress(io.stderr);
  progress.update('verifying the archives and the live log...', 0);
  try {
    chain = await verifyJsonlLines(concatLines(archives, liveLines(opts.url, opts.apiKey)), {
      onRecord: built.onRecord,
      onProgress: (done) => progress.update(() => `verifying the archives and the live log: ${done.toLocaleString('en-US')} records`, done),
    });
  } catch (e) {
    progress.done();
    io.stderr.write(`gatehouse: cannot verify: ${(e as Error).message}\n`);
    return 1;
  }
  progress.done();
  if (!chain.ok) {
    ok = false;
    lines.push(`BROKEN at seq ${chain.first_bad_seq}: ${chain.error ?? 'hash mismatch'} (an archive removed, altered or out of place?)`);
  }
  for (const a of archives) {
    const found = await checkArchive(a, key, built);
    ok &&= found.ok;
    lines.push(`${basename(a.path)}: ${found.line}`);
  }
  if (ok)
    lines.push(
      `OK: ${archives.length} archive(s) and the live log are one chain of ${chain.records.toLocaleString('en-US')} records, head ${chain.head_hash}`,
    );
  if (opts.json) io.stdout(`${JSON.stringify({ ok, archives: archives.length, chain, lines })}\n`);
  else io.stdout(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}

/**
 * One archive against the checkpoint beside it. When the chain from seq 1 reached its end (`built`
 * holds every record up to it), its records are checked against the signed root there, and its
 * prefix file against the same tree: the archive then verifies on its own too, without reading it
 * a second time. Only when an earlier archive is missing or broken is it read again, alone, from
 * its prefix.
 */
async function checkArchive(a: ArchiveFile, key: Buffer, built: SignedTreeBuilder): Promise<{ ok: boolean; line: string }> {
  if (!a.checkpointPath) return { ok: false, line: 'the checkpoint beside it is missing' };
  try {
    const cpText = await readFile(a.checkpointPath, 'utf8');
    const cp = verifyCheckpoint(cpText, key);
    if (cp.size !== a.last) throw new Error(`its checkpoint covers ${cp.size} records, the archive ends at ${a.last}`);
    const prefix = a.prefixPath ? await readPrefix(a.prefixPath) : null;
    if (prefix && prefix.size !== a.first - 1)
      throw new Error(`its prefix covers ${prefix.size} records, the archive starts at ${a.first}`);
    if (built.tree.size >= cp.size) {
      if (!built.tree.root(cp.size).equals(cp.root)) throw new Error(`records 1..${cp.size} do not reproduce its signed root`);
      if (!prefix) return { ok: true, line: `records ${a.first}..${a.last}, checkpoint signature and root OK (no prefix file beside it)` };
      if (!prefixMatches(prefix, built)) throw new Error('its prefix file does not sum up the records before it');
      return {
        ok: true,
        line: `records ${a.first}..${a.last}, checkpoint signature and root OK; its prefix matches, so it verifies on its own`,
      };
    }
    if (!prefix) throw new Error('the records before it were not all read, and it has no prefix file to be checked alone');
    const r = await verifyFileSigned(a.path, cpText, key, prefix);
    if (!r.ok) throw new Error(r.lines.filter((l) => !/^(checkpoint|prefix): /.test(l)).join('; '));
    return {
      ok: true,
      line: `records ${a.first}..${a.last}: on its own, with its prefix, the signed root of its checkpoint (signature OK)`,
    };
  } catch (e) {
    return { ok: false, line: (e as Error).message };
  }
}

/** The prefix's subtrees (and so its last record) are those of the log read from seq 1. */
function prefixMatches(prefix: CheckedPrefix, built: SignedTreeBuilder): boolean {
  return decompose(0, prefix.size).every((span, i) => built.tree.subtree(span.start, span.size).equals(prefix.subtrees[i]!));
}
