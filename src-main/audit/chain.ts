import { hash as oneShotHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditRecord } from '../../src-shared/index.js';
import type { AuditRow } from '../storage/types.js';

/**
 * The hash chain of SPEC 7.2: `hash = SHA-256 hex of JCS(record without "hash")`, `prev_hash` the
 * previous record's hash (64 zeros for seq 1).
 *
 * A record has a fixed set of keys, so its JCS form is assembled directly: keys in sorted order,
 * strings in ECMAScript JSON form (what JCS prescribes), and `data` already canonical text. This is
 * byte-for-byte what `canonicalize(record)` produces, at a fraction of the cost, and it is what the
 * JSONL export writes. Strings are validated with `canonicalize` when a record is created.
 */
export type UnhashedRecord = Omit<AuditRecord, 'hash'>;

export const sha256Hex = (text: string): string => oneShotHash('sha256', text, 'hex');

/** JCS (RFC 8785) of any JSON value; throws on values JSON cannot carry. */
export function jcs(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON form');
  return out;
}

/** The fields of a record with `data` as canonical text. */
export interface RecordFields {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  action_id: string | null;
  dataText: string;
  prevHash: string;
}

const q = JSON.stringify;

function parts(f: RecordFields): [string, string] {
  const head = `{"action_id":${f.action_id === null ? 'null' : q(f.action_id)},"actor":${q(f.actor)},"data":${f.dataText},`;
  const tail = `"id":${q(f.id)},"prev_hash":"${f.prevHash}","seq":${f.seq},"ts":${q(f.ts)},"type":${q(f.type)}}`;
  return [head, tail];
}

/** JCS of the record without its hash (the text that is hashed). */
export const unhashedText = (f: RecordFields): string => {
  const [head, tail] = parts(f);
  return head + tail;
};

/** Hash and JSONL line (JCS of the whole record) of a record. */
export function sealFields(f: RecordFields): { hash: string; line: string } {
  const [head, tail] = parts(f);
  const hash = sha256Hex(head + tail);
  return { hash, line: `${head}"hash":"${hash}",${tail}` };
}

/** SHA-256 hex of JCS(record without hash), computed generically (for independent checks). */
export function hashRecord(record: UnhashedRecord | AuditRecord): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  return sha256Hex(jcs(rest));
}

const fieldsOf = (row: AuditRow, prevHash: string): RecordFields => ({
  seq: row.seq,
  id: row.id,
  ts: row.ts,
  type: row.type,
  actor: row.actor,
  action_id: row.action_id,
  dataText: row.data,
  prevHash,
});

/** Recomputes a stored row's hash given the previous record's hash. */
export const rowHash = (row: AuditRow, prevHash: string): string => sha256Hex(unhashedText(fieldsOf(row, prevHash)));

/** The exact JSONL export line of a stored row (uses the stored hash, does not recompute it). */
export function canonicalLine(row: AuditRow, prevHash: string): string {
  const [head, tail] = parts(fieldsOf(row, prevHash));
  return `${head}"hash":"${row.hash}",${tail}`;
}

/** An `audit` row as the SPEC 7.1 record. */
export function rowToRecord(row: AuditRow, prevHash: string): AuditRecord {
  return {
    seq: row.seq,
    id: row.id,
    ts: row.ts,
    type: row.type,
    actor: row.actor,
    action_id: row.action_id,
    data: JSON.parse(row.data) as AuditRecord['data'],
    prev_hash: prevHash,
    hash: row.hash,
  };
}
