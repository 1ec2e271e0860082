import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { AuditRecordSchema } from '../../../src-shared/index.js';
import { jcs, sealFields } from '../../audit/chain.js';
import type { SqlValue } from '../types.js';
import type { WriteUnit } from '../write.js';

/**
 * A reader of release 0.1's hand-written journal, kept only to upgrade a 0.1 data directory (0.2
 * writes no journal of its own: SQLite's WAL is the journal). `journal/NNNNNNNN.log` segments hold
 * frames `u32 length (LE) | u32 CRC32 of the payload (LE) | payload`; a payload is JSON
 * `{"n":7,"ops":[[sql,params],...],"audit":[record,...]}`. A torn or corrupt frame at the end of
 * the last segment is what a crash mid-write leaves (never acknowledged): it is skipped. Damage
 * anywhere else would lose acknowledged entries, so it is an error.
 */
export class LegacyJournalError extends Error {
  override readonly name = 'LegacyJournalError';
}

const FRAME_HEADER = 8;
const MAX_PAYLOAD = 64 * 1024 * 1024;
const CHUNK = 8 << 20;
const SEGMENT_RE = /^(\d{8,})\.log$/;

export interface LegacyEntry extends WriteUnit {
  n: number;
}

const EntrySchema = z.object({
  n: z.number().int().min(1),
  ops: z.array(z.tuple([z.string(), z.array(z.union([z.string(), z.number(), z.null()]))])),
  audit: z.array(AuditRecordSchema),
});

/** Parses a payload and checks each record's hash. */
export function decodeEntry(payload: Buffer): LegacyEntry {
  const raw = EntrySchema.parse(JSON.parse(payload.toString('utf8')));
  const records = raw.audit.map((record) => {
    const dataText = jcs(record.data);
    const { hash } = sealFields({ ...record, dataText, prevHash: record.prev_hash });
    if (hash !== record.hash) throw new Error(`audit record seq ${record.seq} does not match its hash`);
    return { record, dataText, tsMs: Date.parse(record.ts) };
  });
  return { n: raw.n, ops: raw.ops.map(([sql, params]) => ({ sql, params: params as SqlValue[] })), records, opError: null };
}

/** Segment files of a 0.1 journal directory, oldest first. */
export async function legacySegments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => SEGMENT_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, m[0]));
}

export interface JournalTail {
  /** Bytes skipped at the end of the last segment (a torn last write). */
  droppedBytes: number;
  droppedReason: string | null;
}

/**
 * Yields every whole frame's payload in order, reading each segment in bounded chunks.
 * `entryNumber` is the `n` of each payload, checked to run on without gaps.
 */
export async function* readLegacyJournal(dir: string, tail: JournalTail): AsyncGenerator<{ n: number; payload: Buffer }> {
  const segments = await legacySegments(dir);
  let expected: number | null = null;
  for (const [i, path] of segments.entries()) {
    const last = i === segments.length - 1;
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      let buf = Buffer.alloc(0);
      let bufStart = 0;
      let pos = 0;
      let readTo = 0;
      const stop = (why: string): JournalTail => {
        if (!last) throw new LegacyJournalError(`0.1 journal segment ${path} is damaged at byte ${bufStart + pos} (${why})`);
        return { droppedBytes: size - (bufStart + pos), droppedReason: why };
      };
      for (;;) {
        const avail = buf.length - pos;
        if (avail >= FRAME_HEADER) {
          const length = buf.readUInt32LE(pos);
          if (length === 0 || length > MAX_PAYLOAD) {
            Object.assign(tail, stop(`bad length ${length}`));
            break;
          }
          if (avail >= FRAME_HEADER + length) {
            const payload = buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + length);
            if (crc32(payload) !== buf.readUInt32LE(pos + 4)) {
              Object.assign(tail, stop('CRC mismatch'));
              break;
            }
            const m = /^\{"n":(\d{1,15}),/.exec(payload.subarray(0, 24).toString('latin1'));
            if (!m) {
              Object.assign(tail, stop('entry without a number'));
              break;
            }
            const n = Number(m[1]);
            if (expected !== null && n !== expected) throw new LegacyJournalError(`0.1 journal jumps from entry ${expected - 1} to ${n}`);
            expected = n + 1;
            yield { n, payload: Buffer.from(payload) };
            pos += FRAME_HEADER + length;
            continue;
          }
        }
        if (readTo >= size) {
          if (buf.length - pos > 0) Object.assign(tail, stop(`torn entry (${buf.length - pos} bytes)`));
          break;
        }
        const need = avail >= FRAME_HEADER ? FRAME_HEADER + buf.readUInt32LE(pos) : FRAME_HEADER;
        const want = Math.min(Math.max(CHUNK, need), size - readTo);
        const next = Buffer.allocUnsafe(avail + want);
        buf.copy(next, 0, pos);
        const { bytesRead } = await fh.read(next, avail, want, readTo);
        readTo += bytesRead;
        bufStart += pos;
        buf = next.subarray(0, avail + bytesRead);
        pos = 0;
        if (bytesRead === 0) readTo = size;
      }
    } finally {
      await fh.close();
    }
  }
}
