import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * Release 0.1's snapshot: the sql.js database exported as a plain SQLite file, its `meta` table
 * holding the journal entry it covers (`journal_n`) and the audit head, and the CRC32 of the whole
 * file (counted with those 4 bytes as zeros) stamped in the header's user_version field (bytes
 * 60..63). SQLite itself ignores that field, so node:sqlite opens the file as it is; the CRC is
 * checked first so that a damaged snapshot is found before a query meets the bad page.
 */
const CRC_OFFSET = 60;
const CHUNK = 8 << 20;

/** Why the file cannot be used as a 0.1 snapshot (null when it can). */
export async function checkLegacySnapshot(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < 100) return 'it is not an SQLite file';
    const header = Buffer.alloc(100);
    await fh.read(header, 0, 100, 0);
    if (header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return 'it is not an SQLite file';
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    const pageCount = header.readUInt32BE(28);
    if (pageSize * pageCount !== size) return `it is ${size} bytes but its header says ${pageSize * pageCount}`;
    const stored = header.readUInt32BE(CRC_OFFSET);
    let crc = 0;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size));
    for (let off = 0; off < size;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - off), off);
      if (bytesRead <= 0) return `the file ended at byte ${off} of ${size}`;
      const chunk = buf.subarray(0, bytesRead);
      if (off <= CRC_OFFSET && CRC_OFFSET + 4 <= off + bytesRead) chunk.writeUInt32BE(0, CRC_OFFSET - off);
      crc = crc32(chunk, crc);
      off += bytesRead;
    }
    return crc === stored ? null : 'its checksum does not match (the file is damaged)';
  } finally {
    await fh.close();
  }
}
