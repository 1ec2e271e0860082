import { ZERO_HASH } from '../../src-shared/hash.js';
import type { ExportFormat, VerifyResult } from '../../src-shared/index.js';
import type { AuditRow } from '../storage/types.js';
import { canonicalLine, rowHash } from './chain.js';
import { cefLine, csvRow } from './formats.js';

/**
 * The per-row work of exports and verification, as pure functions of a batch of rows, so that the
 * same code runs in slices on the main thread (small logs) and on the read worker (large ones).
 */

/** The text of a batch of rows in an export format; `prev` is the hash before the first row. */
export function formatRows(rows: readonly AuditRow[], format: ExportFormat, prev: string): { text: string; prev: string } {
  let out = '';
  if (format === 'jsonl') {
    for (const row of rows) {
      out += `${canonicalLine(row, prev)}\n`;
      prev = row.hash;
    }
  } else if (format === 'csv') {
    for (const row of rows) {
      out += csvRow(row, prev);
      prev = row.hash;
    }
  } else {
    for (const row of rows) {
      out += cefLine(row, Date.parse(row.ts));
      prev = row.hash;
    }
  }
  return { text: out, prev };
}

/** Where a verification of the live chain stands. */
export interface VerifyState {
  expected: number;
  prev: string;
  lastGood: string | null;
}

/** From seq 1, or after the last archived record (its seq and hash). */
export const startVerify = (after?: { seq: number; hash: string }): VerifyState =>
  after && after.seq > 0
    ? { expected: after.seq + 1, prev: after.hash, lastGood: after.hash }
    : { expected: 1, prev: ZERO_HASH, lastGood: null };

export const goodResult = (records: number, head: string | null): VerifyResult => ({
  ok: true,
  records,
  first_bad_seq: null,
  head_hash: head,
  error: null,
});

export const badResult = (records: number, seq: number, head: string | null, error: string): VerifyResult => ({
  ok: false,
  records,
  first_bad_seq: seq,
  head_hash: head,
  error,
});

/**
 * One step of the walk: record `seq` must be the next, and `matches(prev)` must say its hash is
 * right after the previous record's; a result when it is the first bad record.
 */
function advance(s: VerifyState, seq: number, hash: string, matches: (prev: string) => boolean): VerifyResult | null {
  const expected = s.expected;
  if (seq !== expected) return badResult(expected - 1, expected, s.lastGood, `record ${expected} is missing`);
  if (!matches(s.prev))
    return badResult(expected - 1, expected, s.lastGood, `record ${expected} does not match its hash (edited, or its predecessor was)`);
  s.prev = s.lastGood = hash;
  s.expected = expected + 1;
  return null;
}

/** Checks a batch (seq continuity, each hash recomputed); a result when it found the first bad record. */
export function verifyRows(rows: readonly AuditRow[], s: VerifyState): VerifyResult | null {
  for (const row of rows) {
    const bad = advance(s, row.seq, row.hash, (prev) => rowHash(row, prev) === row.hash);
    if (bad) return bad;
  }
  return null;
}

/** The result once every row up to the head was checked. */
export function finishVerify(s: VerifyState, head: { seq: number; hash: string }): VerifyResult {
  if (s.expected <= head.seq) return badResult(s.expected - 1, s.expected, s.lastGood, `records ${s.expected}..${head.seq} are missing`);
  if (head.seq > 0 && s.prev !== head.hash)
    return badResult(s.expected - 1, head.seq, s.lastGood, 'the last record does not match the head the store recorded');
  return goodResult(head.seq, s.lastGood);
}
