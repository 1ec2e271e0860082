import { createReadStream } from 'node:fs';
import { jsonlLines } from './jsonl-lines.js';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ZERO_HASH, type VerifyResult } from '../../src-shared/index.js';
import type { Store } from '../storage/types.js';
import { strictJsonProblem } from '../core/json-strict.js';
import { inexactNumberProblem } from '../../src-shared/exact-number.js';
import { jcs, sha256Hex } from './chain.js';
import { badResult as bad, goodResult as good } from './scan.js';

export interface VerifyProgress {
  onProgress?: (done: number, total: number) => void;
}

/**
 * Verifies the live audit chain: seq continuity from 1, each hash recomputed from the record's
 * canonical form and the previous hash, and the store's head. The store walks the table in
 * batches, in slices on the main thread for a small log and on its read worker for a large one.
 * `records` counts the records that verified; `head_hash` is the hash of the last of them.
 */
export function verifyStore(store: Store, opts: VerifyProgress = {}): Promise<VerifyResult> {
  return store.verify(opts.onProgress);
}

const KEYS = ['action_id', 'actor', 'data', 'hash', 'id', 'prev_hash', 'seq', 'ts', 'type'].join(',');
const HEX64 = /^[0-9a-f]{64}$/;

/** Why a parsed line is not a well-formed record (null when it is). */
function shapeProblem(r: unknown): string | null {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return 'is not a JSON object';
  const o = r as Record<string, unknown>;
  if (Object.keys(o).sort().join(',') !== KEYS) return `does not have exactly the fields ${KEYS}`;
  if (!Number.isSafeInteger(o.seq)) return 'has a non-integer seq';
  if (typeof o.hash !== 'string' || !HEX64.test(o.hash) || typeof o.prev_hash !== 'string' || !HEX64.test(o.prev_hash))
    return 'has a malformed hash';
  if (o.data === null || typeof o.data !== 'object' || Array.isArray(o.data)) return 'has data that is not an object';
  return null;
}

/** Field names are not refused (a record may hold any the server accepted); numbers must read as written. */
const STRICT_LINE = { numberProblem: inexactNumberProblem, forbiddenKeys: new Set<string>() };

export interface FileVerifyOptions extends VerifyProgress {
  /** Accept an export that starts after seq 1 (a `--since` export): its first prev_hash is trusted. */
  partial?: boolean;
  /** Called with each record once it verified (in order): the Merkle tree and checkpoints are built from these. */
  onRecord?: (rec: VerifiedRecord) => void;
}

/** A record of an export that verified, as the checkpoint verification reads it. */
export interface VerifiedRecord {
  seq: number;
  hash: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Verifies a JSONL export (or a gzipped archive) offline, independently of the store: each line is parsed, re-canonicalised
 * with JCS and hashed; seq must run on without gaps and each prev_hash must be the previous hash.
 * The first bad seq is named: a bad hash, a broken link, a gap (the missing seq) or an unparseable
 * line (the seq that line should have held).
 */
export async function verifyJsonlFile(path: string, opts: FileVerifyOptions & ChainStart = {}): Promise<VerifyResult> {
  const total = (await stat(path)).size;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  // An archive (`.jsonl.gz`) is read through gunzip; progress still counts the file's bytes.
  const text = (await isGzip(path)) ? stream.pipe(createGunzip()) : stream;
  try {
    return await verifyJsonlLines(jsonlLines(text), {
      ...opts,
      onProgress: opts.onProgress ? () => opts.onProgress!(stream.bytesRead, total) : undefined,
      onEnd: () => opts.onProgress?.(total, total),
    });
  } finally {
    stream.destroy();
    text.destroy();
  }
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Where a chain verified before ends: the next record is `seq`, linked to `prev`. */
export interface ChainStart {
  start?: { seq: number; prev: string };
}

/**
 * The check of verifyJsonlFile over any source of lines (a file, gunzipped archives followed by the
 * live log): one chain, the first bad seq named. `start` continues a chain verified before (the
 * archives before the live log).
 */
export async function verifyJsonlLines(
  lines: AsyncIterable<string>,
  opts: FileVerifyOptions & ChainStart & { onEnd?: () => void } = {},
): Promise<VerifyResult> {
  let expected: number | null = null;
  let prev: string | null = null;
  /** The hash before the last record checked (what its predecessor's hash is). */
  let before: string | null = null;
  let records = 0;
  if (opts.start) {
    expected = opts.start.seq;
    prev = opts.start.prev;
  }
  let lineNo = 0;
  let blank = 0;
  {
    for await (const line of lines) {
      lineNo++;
      if (line === '') {
        blank++;
        continue;
      }
      const seqHere = expected ?? 1;
      if (blank) return bad(records, seqHere, prev, `blank line before line ${lineNo}`);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return bad(records, seqHere, prev, `line ${lineNo} is not valid JSON`);
      }
      // What JSON.parse reads past (a repeated key, a number no double holds as written) would let a line
      // show what its hash does not cover, to whoever reads it with another parser, jq or their eyes.
      const strict = strictJsonProblem(line, STRICT_LINE);
      if (strict)
        return bad(records, seqHere, prev, `line ${lineNo} is not exactly a record: ${strict.path || '(line)'}: ${strict.message}`);
      const shape = shapeProblem(rec);
      if (shape) return bad(records, seqHere, prev, `line ${lineNo} ${shape}`);
      const seq = rec.seq as number;
      if (expected === null) {
        if (seq !== 1 && !opts.partial) return bad(0, 1, null, `the file starts at seq ${seq}: records before it are missing`);
        if (seq === 1 && rec.prev_hash !== ZERO_HASH)
          return bad(0, 1, null, 'record 1 does not start the chain (prev_hash is not 64 zeros)');
        expected = seq;
        prev = rec.prev_hash as string;
      }
      if (seq !== expected)
        return bad(
          records,
          expected,
          prev,
          seq > expected ? `record ${expected} is missing` : `line ${lineNo} holds seq ${seq} where ${expected} was expected`,
        );
      const { hash, ...rest } = rec;
      let text: string;
      try {
        text = jcs(rest);
      } catch (e) {
        return bad(records, seq, prev, `record ${seq} cannot be canonicalised: ${(e as Error).message}`);
      }
      const selfConsistent = sha256Hex(text) === hash;
      if (rec.prev_hash !== prev) {
        // Record `seq` verifies on its own and names another hash for its predecessor: the
        // predecessor is the one changed (its hash recomputed to match), the first record that
        // differs from the log as written.
        if (selfConsistent && records > 0 && before !== null)
          return bad(
            records - 1,
            seq - 1,
            before,
            `record ${seq - 1} was changed: record ${seq} verifies and still links to another hash for it`,
          );
        return bad(records, seq, prev, `record ${seq}: prev_hash does not link to record ${seq - 1}`);
      }
      if (!selfConsistent) return bad(records, seq, prev, `record ${seq} does not match its hash`);
      before = prev;
      prev = hash as string;
      expected = seq + 1;
      records++;
      opts.onRecord?.({ seq, hash: hash as string, type: rec.type as string, data: rec.data as Record<string, unknown> });
      if (opts.onProgress && records % 20_000 === 0) opts.onProgress(records, 0);
    }
  }
  opts.onEnd?.();
  return good(records, prev);
}
