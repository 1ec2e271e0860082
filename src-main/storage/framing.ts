import { crc32 } from 'node:zlib';

/**
 * Journal entry framing: `u32 length (LE) | u32 CRC32 of the payload (LE) | payload`.
 * A frame is valid only when the whole payload is present and its CRC matches, so a write torn by
 * a crash (or a zero-filled tail left by the file system) is recognised and never replayed.
 */
export const FRAME_HEADER = 8;
/** Far above any real entry (the API caps bodies at 1 MiB); a larger length means a torn header. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;

export function encodeFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, FRAME_HEADER);
  return out;
}

export type FrameResult =
  | { kind: 'frame'; payload: Buffer; end: number }
  /** The buffer ends inside this frame: read more (or, at end of file, it is torn). */
  | { kind: 'partial'; need: number }
  | { kind: 'corrupt'; reason: string };

/** Decodes the frame starting at `offset` of `buf`. */
export function decodeFrame(buf: Buffer, offset: number): FrameResult {
  if (buf.length - offset < FRAME_HEADER) return { kind: 'partial', need: FRAME_HEADER };
  const length = buf.readUInt32LE(offset);
  if (length === 0 || length > MAX_PAYLOAD) return { kind: 'corrupt', reason: `bad length ${length}` };
  const end = offset + FRAME_HEADER + length;
  if (end > buf.length) return { kind: 'partial', need: FRAME_HEADER + length };
  const payload = buf.subarray(offset + FRAME_HEADER, end);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return { kind: 'corrupt', reason: 'CRC mismatch' };
  return { kind: 'frame', payload, end };
}

/**
 * The entry number of a payload. Payloads are JSON written by the journal's owner with `n` as
 * the first key (`{"n":123,...}`), so the number is read without parsing the whole entry.
 */
export function payloadEntryNumber(payload: Buffer): number | null {
  const head = payload.subarray(0, 24).toString('latin1');
  const m = /^\{"n":(\d{1,15}),/.exec(head);
  return m ? Number(m[1]) : null;
}
