import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER, decodeFrame, encodeFrame, payloadEntryNumber } from '../../src-main/storage/framing.js';

describe('journal framing', () => {
  const payload = Buffer.from('{"n":42,"ops":[],"audit":[]}');

  it('writes u32 length, u32 CRC32, payload', () => {
    const f = encodeFrame(payload);
    expect(f.length).toBe(FRAME_HEADER + payload.length);
    expect(f.readUInt32LE(0)).toBe(payload.length);
    expect(f.readUInt32LE(4)).toBe(crc32(payload));
    expect(f.subarray(8).equals(payload)).toBe(true);
  });

  it('decodes consecutive frames', () => {
    const two = Buffer.concat([encodeFrame(payload), encodeFrame(Buffer.from('{"n":43,"x":1}'))]);
    const a = decodeFrame(two, 0);
    expect(a.kind).toBe('frame');
    if (a.kind !== 'frame') return;
    const b = decodeFrame(two, a.end);
    expect(b.kind === 'frame' && payloadEntryNumber(b.payload)).toBe(43);
  });

  it('reports a partial frame at every cut point, and corruption', () => {
    const f = encodeFrame(payload);
    for (let cut = 0; cut < f.length; cut++) expect(decodeFrame(f.subarray(0, cut), 0).kind).toBe('partial');
    const flipped = Buffer.from(f);
    flipped[FRAME_HEADER + 3]! ^= 0x01;
    expect(decodeFrame(flipped, 0)).toMatchObject({ kind: 'corrupt', reason: 'CRC mismatch' });
    expect(decodeFrame(Buffer.alloc(64), 0)).toMatchObject({ kind: 'corrupt' }); // zero-filled tail
    const huge = Buffer.from(f);
    huge.writeUInt32LE(0xffffffff, 0);
    expect(decodeFrame(huge, 0)).toMatchObject({ kind: 'corrupt' });
  });

  it('reads the entry number without parsing the payload', () => {
    expect(payloadEntryNumber(payload)).toBe(42);
    expect(payloadEntryNumber(Buffer.from('{"ops":[],"n":1}'))).toBeNull();
  });
});
