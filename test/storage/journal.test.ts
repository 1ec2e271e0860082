import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JournalCorruptError } from '../../src-main/storage/journal.js';
import { StorageUnavailableError } from '../../src-main/storage/types.js';
import { cleanupDirs, faultyIO, tempDir } from './helpers.js';

const entry = (n: number, body = 'x'.repeat(100)) => Buffer.from(JSON.stringify({ n, body }));

async function openAndRecover(dir: string, io = faultyIO()) {
  const j = await Journal.open(dir, io);
  const seen: number[] = [];
  const report = await j.recover((n) => void seen.push(n));
  return { j, seen, report, io };
}

afterEach(cleanupDirs);

describe('journal', () => {
  it('appends, fsyncs and reads entries back in order', async () => {
    const dir = tempDir();
    const { j } = await openAndRecover(dir);
    for (let n = 1; n <= 5; n++) await j.append(n, entry(n));
    await j.close();
    const again = await openAndRecover(dir);
    expect(again.seen).toEqual([1, 2, 3, 4, 5]);
    expect(again.report).toMatchObject({ entries: 5, droppedBytes: 0 });
    await again.j.close();
  });

  it('group commit: many concurrent appends share few fsyncs', async () => {
    const dir = tempDir();
    const io = faultyIO();
    io.syncDelayMs = 5;
    const { j } = await openAndRecover(dir, io);
    const before = io.counts.fdatasync;
    await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(i + 1, entry(i + 1))));
    const syncs = io.counts.fdatasync - before;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(10);
    await j.close();
    expect((await openAndRecover(dir)).seen).toHaveLength(500);
  });

  it('a commit resolves only after its fsync', async () => {
    const dir = tempDir();
    const io = faultyIO();
    io.syncDelayMs = 50;
    const { j } = await openAndRecover(dir, io);
    let done = false;
    const p = j.append(1, entry(1)).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    await p;
    expect(io.counts.fdatasync).toBeGreaterThan(0);
    await j.close();
  });

  it('cuts a torn last entry (every cut point) and recovers up to the last whole entry', async () => {
    const dir = tempDir();
    const { j } = await openAndRecover(dir);
    for (let n = 1; n <= 3; n++) await j.append(n, entry(n));
    await j.close();
    const seg = join(dir, '00000001.log');
    const whole = statSync(seg).size;
    const frame = whole / 3;
    for (const keep of [1, 4, 8, 9, frame - 1]) {
      writeFileSync(seg, readFileSync(seg).subarray(0, whole)); // restore 3 entries
      truncateSync(seg, 2 * frame + keep);
      const r = await openAndRecover(dir);
      expect(r.seen).toEqual([1, 2]);
      expect(r.report.droppedBytes).toBe(keep);
      expect(statSync(seg).size).toBe(2 * frame);
      // the journal continues cleanly after the cut
      await r.j.append(3, entry(3));
      await r.j.close();
      const again = await openAndRecover(dir);
      expect(again.seen).toEqual([1, 2, 3]);
      expect(again.report.droppedBytes).toBe(0);
      await again.j.close();
    }
  });

  it('drops a corrupt (bad CRC) or zero-filled tail, never replays half an entry', async () => {
    const dir = tempDir();
    const { j } = await openAndRecover(dir);
    for (let n = 1; n <= 2; n++) await j.append(n, entry(n));
    await j.close();
    const seg = join(dir, '00000001.log');
    const buf = readFileSync(seg);
    buf[buf.length - 5]! ^= 0xff;
    writeFileSync(seg, buf);
    appendFileSync(seg, Buffer.alloc(4096));
    const r = await openAndRecover(dir);
    expect(r.seen).toEqual([1]);
    expect(r.report.droppedReason).toBe('CRC mismatch');
    await r.j.close();
  });

  it('refuses to start when a segment other than the last is damaged', async () => {
    const dir = tempDir();
    const { j } = await openAndRecover(dir);
    await j.append(1, entry(1));
    await j.append(2, entry(2));
    await j.rotate();
    await j.append(3, entry(3));
    await j.close();
    truncateSync(join(dir, '00000001.log'), 30);
    const j2 = await Journal.open(dir, faultyIO());
    await expect(j2.recover(() => undefined)).rejects.toThrow(JournalCorruptError);
  });

  it('rotates segments and drops the ones a snapshot covers', async () => {
    const dir = tempDir();
    const { j } = await openAndRecover(dir);
    for (let n = 1; n <= 3; n++) await j.append(n, entry(n));
    await j.rotate();
    await j.append(4, entry(4));
    expect(j.segmentFiles().map((p) => p.slice(-12))).toEqual(['00000001.log', '00000002.log']);
    expect(await j.dropCovered(2)).toBe(0); // segment 1 holds entry 3 > 2
    expect(await j.dropCovered(3)).toBe(1);
    await j.close();
    const r = await openAndRecover(dir);
    expect(r.seen).toEqual([4]);
    await r.j.close();
  });

  it('a failed write rejects the batch and everything queued behind it, then recovers', async () => {
    const dir = tempDir();
    const io = faultyIO();
    const { j } = await openAndRecover(dir, io);
    await j.append(1, entry(1));
    io.fail.write = true;
    io.syncDelayMs = 0;
    const results = await Promise.allSettled([2, 3, 4].map((n) => j.append(n, entry(n))));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StorageUnavailableError)).toBe(true);
    io.fail.write = false;
    await j.append(2, entry(2, 'after'));
    await j.close();
    const r = await openAndRecover(dir);
    expect(r.seen).toEqual([1, 2]);
    expect(r.report.droppedBytes).toBe(0); // the half-written bytes were cut before writing again
    await r.j.close();
  });

  it('a failed fsync also rejects entries queued while it was in flight', async () => {
    const dir = tempDir();
    const io = faultyIO();
    const { j } = await openAndRecover(dir, io);
    await j.append(1, entry(1));
    io.fail.fdatasync = true;
    io.syncDelayMs = 30;
    const first = j.append(2, entry(2));
    await new Promise((r) => setTimeout(r, 10)); // the flush of 2 is now waiting on fsync
    const queued = [j.append(3, entry(3)), j.append(4, entry(4))];
    const results = await Promise.allSettled([first, ...queued]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    io.fail.fdatasync = false;
    io.syncDelayMs = 0;
    await j.append(2, entry(2, 'retry'));
    await j.close();
    const r = await openAndRecover(dir);
    expect(r.seen).toEqual([1, 2]);
    await r.j.close();
  });
});
