import { crc32 } from 'node:zlib';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { ZERO_HASH } from '../../src-shared/index.js';
import { Database } from './database.js';
import { writeFileAtomic, type StorageIO } from './io.js';

/**
 * Snapshots: `gatehouse.sqlite` is the sql.js database exported as a plain SQLite file. Its `meta`
 * table records the journal entry it covers and the audit head; the CRC32 of the whole file is kept
 * in the header's user_version field (bytes 60..63, zeroed while computing), so a damaged snapshot
 * is detected when loaded rather than when a query first touches the bad page.
 */
export interface SnapshotMeta {
  journal_n: number;
  head_seq: number;
  head_hash: string;
  schema_version: number;
}

const MetaSchema = z.object({
  journal_n: z.coerce.number().int().min(0),
  head_seq: z.coerce.number().int().min(0),
  head_hash: z.string().regex(/^[0-9a-f]{64}$/),
  schema_version: z.coerce.number().int().min(1),
});

export const EMPTY_META = (schemaVersion: number): SnapshotMeta => ({
  journal_n: 0,
  head_seq: 0,
  head_hash: ZERO_HASH,
  schema_version: schemaVersion,
});

const CRC_OFFSET = 60;
const CHUNK = 8 << 20;
/** A large snapshot is flushed every few MB so that it never delays journal fsyncs by much. */
const WRITE_SYNC_BYTES = 8 << 20;

export type LoadedSnapshot =
  { kind: 'missing' } | { kind: 'ok'; db: Database; meta: SnapshotMeta; size: number } | { kind: 'corrupt'; reason: string };

/** Records `meta` in the database and exports it (synchronous: a consistent cut). */
export function captureSnapshot(db: Database, meta: SnapshotMeta): Uint8Array {
  db.transaction(() => {
    for (const [k, v] of Object.entries(meta)) db.run('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)', [k, String(v)]);
  });
  return db.export();
}

/** Stamps the CRC into the header and writes the file atomically (temp, fsync, rename, fsync dir). */
export async function persistSnapshot(io: StorageIO, path: string, bytes: Uint8Array): Promise<number> {
  await stampCrc(bytes);
  const chunks: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += CHUNK) chunks.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
  return writeFileAtomic(io, path, chunks, { syncEveryBytes: WRITE_SYNC_BYTES });
}

export async function loadSnapshot(io: StorageIO, path: string): Promise<LoadedSnapshot> {
  let file: { bytes: Buffer; crc: number } | null;
  try {
    file = await readWithCrc(io, path);
  } catch (e) {
    return { kind: 'corrupt', reason: `cannot read it: ${(e as Error).message}` };
  }
  if (file === null) return { kind: 'missing' };
  let bytes: Buffer | null = file.bytes;
  const problem = checkFile(bytes, file.crc);
  if (problem) return { kind: 'corrupt', reason: problem };
  const size = bytes.length;
  let db: Database | null = null;
  try {
    db = await Database.open(bytes);
    bytes = null; // let the file buffer go: sql.js holds its own copy
    const rows = db.all<{ key: string; value: string }>('SELECT key, value FROM meta');
    const meta = MetaSchema.parse(Object.fromEntries(rows.map((r) => [r.key, r.value])));
    const head = db.get<{ seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    if ((head?.seq ?? 0) !== meta.head_seq || (head?.hash ?? ZERO_HASH) !== meta.head_hash) {
      throw new Error(`its audit head (seq ${head?.seq ?? 0}) does not match its meta (seq ${meta.head_seq})`);
    }
    return { kind: 'ok', db, meta, size };
  } catch (e) {
    db?.close();
    return { kind: 'corrupt', reason: e instanceof z.ZodError ? 'its meta table is missing or invalid' : (e as Error).message };
  }
}

/** Header magic, size and CRC checks on the raw file (`crc` computed with the CRC field zeroed). */
function checkFile(bytes: Buffer, crc: number): string | null {
  if (bytes.length < 100 || bytes.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return 'it is not an SQLite file';
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCount = bytes.readUInt32BE(28);
  if (pageSize * pageCount !== bytes.length) return `it is ${bytes.length} bytes but its header says ${pageSize * pageCount}`;
  if (crc !== bytes.readUInt32BE(CRC_OFFSET)) return 'its checksum does not match (the file is damaged)';
  return null;
}

/**
 * Reads the whole file and its CRC32 (with the CRC field counted as zeros), checksumming each
 * chunk while the next one is being read (null when the file does not exist).
 */
async function readWithCrc(io: StorageIO, path: string): Promise<{ bytes: Buffer; crc: number } | null> {
  const size = await io.size(path);
  if (size === null) return null;
  const fd = await io.open(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(size);
    const readChunk = async (off: number): Promise<number> => {
      const end = Math.min(size, off + CHUNK);
      let done = off;
      while (done < end) {
        const n = await io.read(fd, bytes, done, end - done, done);
        if (n <= 0) throw new Error(`the file ended at byte ${done} of ${size}`);
        done += n;
      }
      return end;
    };
    let crc = 0;
    let off = 0;
    let next = size > 0 ? readChunk(0) : null;
    while (next) {
      const end = await next;
      next = end < size ? readChunk(end) : null; // read ahead while this chunk is checksummed
      const chunk = bytes.subarray(off, end);
      if (off <= CRC_OFFSET && CRC_OFFSET + 4 <= end) {
        const stored = bytes.readUInt32BE(CRC_OFFSET);
        bytes.writeUInt32BE(0, CRC_OFFSET);
        crc = crc32(chunk, crc);
        bytes.writeUInt32BE(stored, CRC_OFFSET);
      } else crc = crc32(chunk, crc);
      off = end;
    }
    return { bytes, crc };
  } finally {
    await io.close(fd);
  }
}

async function stampCrc(bytes: Uint8Array): Promise<void> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(CRC_OFFSET, 0);
  let crc = 0;
  for (let off = 0; off < bytes.length; off += CHUNK) {
    crc = crc32(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)), crc);
    await yieldToLoop(); // keep commits flowing while a large snapshot is checksummed
  }
  view.setUint32(CRC_OFFSET, crc);
}
