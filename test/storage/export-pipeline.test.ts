import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { exportOverReaders, type ExportPiece, type RangeReader } from '../../src-main/storage/export-pipeline.js';
import type { WorkerRequest } from '../../src-main/storage/workers.js';

type RangeRequest = Extract<WorkerRequest, { kind: 'export-range' }>;

/**
 * A read thread as the pipeline sees it: answers its requests one after another, as a worker
 * thread does, each `delayMs` after the last (a piece is at most `pieceRows` records).
 */
class FakeReader implements RangeReader {
  asked: RangeRequest[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly delayMs: number,
    private readonly pieceRows = Infinity,
    private readonly failAfter = Infinity,
  ) {}

  call(req: WorkerRequest): Promise<unknown> {
    const r = req as RangeRequest;
    this.asked.push(r);
    const answer = this.tail.then(async (): Promise<ExportPiece> => {
      await sleep(this.delayMs);
      if (this.asked.indexOf(r) >= this.failAfter) throw new Error('the thread stopped');
      const last = Math.min(r.to, r.from + this.pieceRows - 1);
      let text = '';
      for (let seq = r.from; seq <= last; seq++) text += `${seq}\n`;
      return { text, last, prev: `h${last}` };
    });
    this.tail = answer.catch(() => undefined);
    return answer;
  }
}

const plan = (lo: number, hi: number, blockRows: number) => ({
  format: 'jsonl' as const,
  lo,
  hi,
  blockRows,
  prevBefore: (from: number) => `h${from - 1}`,
});

async function collect(readers: RangeReader[], p: ReturnType<typeof plan>): Promise<string> {
  let out = '';
  for await (const piece of exportOverReaders(readers, p)) out += piece;
  return out;
}

const lines = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => `${lo + i}\n`).join('');

describe('export over several read threads (export-pipeline.ts)', () => {
  it('yields every record once, in order, with each block started from the hash before it', async () => {
    const a = new FakeReader(1, 3);
    const b = new FakeReader(2);
    expect(await collect([a, b], plan(5, 104, 10))).toBe(lines(5, 104));
    for (const r of [...a.asked, ...b.asked]) if ((r.from - 5) % 10 === 0) expect(r.prev).toBe(`h${r.from - 1}`);
    // A block answered in pieces goes on from the last piece's hash.
    const rest = a.asked.find((r) => (r.from - 5) % 10 !== 0)!;
    expect(rest.prev).toBe(`h${rest.from - 1}`);
  });

  it('hands a stopped thread’s blocks to the other', async () => {
    const a = new FakeReader(1);
    const b = new FakeReader(1, Infinity, 3);
    expect(await collect([a, b], plan(1, 300, 10))).toBe(lines(1, 300));
    expect(b.asked.length).toBeGreaterThan(3);
  });

  it('fails when every thread has stopped', async () => {
    await expect(collect([new FakeReader(1, Infinity, 2), new FakeReader(1, Infinity, 1)], plan(1, 300, 10))).rejects.toThrow(
      'the thread stopped',
    );
  });
});
