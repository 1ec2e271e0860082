import { join } from 'node:path';
import { decodeFrame, payloadEntryNumber } from './framing.js';
import type { StorageIO } from './io.js';

/** One journal segment file: `journal/00000001.log`, `00000002.log`, ... */
export interface SegmentInfo {
  num: number;
  path: string;
  /** Entry numbers held (null while empty). */
  firstN: number | null;
  lastN: number | null;
  /** Bytes of whole, valid entries. */
  size: number;
}

const SEGMENT_RE = /^(\d{8,})\.log$/;

export const segmentName = (num: number): string => `${String(num).padStart(8, '0')}.log`;

/** The segments of a journal directory, oldest first. */
export async function listSegments(io: StorageIO, dir: string): Promise<SegmentInfo[]> {
  const names = await io.readdir(dir);
  return names
    .map((name) => SEGMENT_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ num: Number(m[1]), path: join(dir, m[0]), firstN: null, lastN: null, size: 0 }))
    .sort((a, b) => a.num - b.num);
}

export interface ScanResult {
  /** Offset just after the last valid entry. */
  validEnd: number;
  fileSize: number;
  /** Why scanning stopped before the end of the file (null when the file is whole). */
  stop: string | null;
}

export type FrameVisitor = (n: number, payload: Buffer, offset: number) => 'continue' | 'stop';

const CHUNK = 8 << 20;

/**
 * Reads a segment frame by frame in bounded chunks, calling `visit` for each valid entry.
 * Stops at the first torn or corrupt frame (or when `visit` says stop) and reports where.
 * A frame whose CRC is right but whose payload has no entry number counts as corrupt.
 */
export async function scanSegment(io: StorageIO, path: string, visit: FrameVisitor): Promise<ScanResult> {
  const fileSize = (await io.size(path)) ?? 0;
  const fd = await io.open(path, 'r');
  try {
    let buf = Buffer.alloc(0);
    let bufStart = 0; // file offset of buf[0]
    let pos = 0; // offset in buf of the next frame
    let readTo = 0; // file offset read so far
    for (;;) {
      const r = decodeFrame(buf, pos);
      if (r.kind === 'frame') {
        const n = payloadEntryNumber(r.payload);
        if (n === null) return { validEnd: bufStart + pos, fileSize, stop: 'entry without a number' };
        if (visit(n, r.payload, bufStart + pos) === 'stop') return { validEnd: bufStart + pos, fileSize, stop: 'stopped by reader' };
        pos = r.end;
        continue;
      }
      if (r.kind === 'corrupt') return { validEnd: bufStart + pos, fileSize, stop: r.reason };
      // partial: read more, keeping the unread tail
      if (readTo >= fileSize) {
        const rest = buf.length - pos;
        return { validEnd: bufStart + pos, fileSize, stop: rest === 0 ? null : `torn entry (${rest} bytes)` };
      }
      const want = Math.max(CHUNK, r.need);
      const tail = buf.subarray(pos);
      const next = Buffer.allocUnsafe(tail.length + Math.min(want, fileSize - readTo));
      tail.copy(next, 0);
      let filled = tail.length;
      while (filled < next.length) {
        const got = await io.read(fd, next, filled, next.length - filled, readTo);
        if (got <= 0) break;
        filled += got;
        readTo += got;
      }
      bufStart += pos;
      buf = next.subarray(0, filled);
      pos = 0;
      if (filled === tail.length) readTo = fileSize; // file shrank under us: treat as end
    }
  } finally {
    await io.close(fd);
  }
}
