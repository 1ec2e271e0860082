import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { BATCH_ROWS } from '../../src-main/storage/fts-tail.js';
import { FullTextLink, TELL_EVERY_MS } from '../../src-main/storage/full-text-link.js';
import type { StorageWorker, WorkerRequest } from '../../src-main/storage/workers.js';

/** An indexer thread that answers at once and remembers what it was told; a sync catches up to `head`. */
function fakeIndexer(head: () => number, behind = () => 0) {
  const told: number[] = [];
  let syncs = 0;
  const worker = {
    call: (req: WorkerRequest) => {
      if (req.kind === 'fts-reach') {
        told.push(req.seq);
        return Promise.resolve({ seq: req.seq, behind: behind() });
      }
      if (req.kind === 'fts-sync') {
        syncs++;
        return Promise.resolve(head());
      }
      return Promise.reject(new Error(`unexpected ${req.kind}`));
    },
  } as unknown as StorageWorker;
  return { worker, told, syncs: () => syncs };
}

describe('the store telling the full-text indexer how far the log reaches', () => {
  it('tells it a few times a second under a stream of serial commits, not once per commit', async () => {
    let seq = 0;
    const { worker, told } = fakeIndexer(() => seq);
    const link = new FullTextLink(worker, () => seq);
    const started = performance.now();
    while (performance.now() - started < 4 * TELL_EVERY_MS) {
      seq++;
      link.acknowledged();
      await sleep(1);
    }
    await vi.waitFor(() => expect(told.at(-1)).toBe(seq));
    // One tell per TELL_EVERY_MS (and the last one), against one a commit before.
    expect(seq).toBeGreaterThan(20);
    expect(told.length).toBeLessThanOrEqual(7);
    expect(told).toEqual([...told].sort((a, b) => a - b));
    link.close();
  });

  it('tells it at once when a whole indexing step is waiting', async () => {
    let seq = BATCH_ROWS;
    const { worker, told } = fakeIndexer(() => seq);
    const link = new FullTextLink(worker, () => seq);
    link.acknowledged();
    expect(told).toEqual([BATCH_ROWS]);
    await sleep(0);
    seq = BATCH_ROWS + 1;
    link.acknowledged();
    expect(told).toEqual([BATCH_ROWS]);
    await vi.waitFor(() => expect(told).toEqual([BATCH_ROWS, BATCH_ROWS + 1]));
    link.close();
  });

  it('a search waits for the indexer to catch up; after close nothing more is sent', async () => {
    let seq = 5;
    const { worker, told, syncs } = fakeIndexer(() => seq);
    const link = new FullTextLink(worker, () => seq);
    link.acknowledged();
    await link.ready();
    expect(syncs()).toBe(1);
    await link.ready(); // caught up: no second request
    expect(syncs()).toBe(1);
    seq = 6;
    link.acknowledged();
    link.close();
    await sleep(2 * TELL_EVERY_MS);
    expect(told).toEqual([]);
    await expect(link.ready()).rejects.toThrow('closed');
  });

  it('pokes an indexer that is behind on a backlog until it is not', async () => {
    let left = 2;
    const { worker, told } = fakeIndexer(
      () => 100,
      () => left--,
    );
    const link = new FullTextLink(worker, () => 100);
    vi.useFakeTimers();
    try {
      link.catchUp();
      await vi.advanceTimersByTimeAsync(0);
      expect(told).toEqual([100]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(told).toEqual([100, 100]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(told).toEqual([100, 100, 100]);
      await vi.advanceTimersByTimeAsync(5000); // no longer behind: left alone
      expect(told).toEqual([100, 100, 100]);
    } finally {
      vi.useRealTimers();
      link.close();
    }
  });
});
