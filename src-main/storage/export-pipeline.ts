import type { ExportFormat } from '../../src-shared/index.js';
import type { WorkerRequest } from './workers.js';

/** What a read thread answers to `export-range`: the text of a prefix of the range, up to `last`. */
export interface ExportPiece {
  text: string;
  /** The last seq the text covers (the range's end once it is done). */
  last: number;
  /** The hash of record `last` (the `prev_hash` of the next line). */
  prev: string;
}

/** A read thread, as the pipeline sees it. */
export interface RangeReader {
  call(req: WorkerRequest): Promise<unknown>;
}

export interface ExportPlan {
  format: ExportFormat;
  lo: number;
  hi: number;
  /** The hash before record `from` (the stored hash of the last record before it). */
  prevBefore: (from: number) => string;
  /** Records per block: the range is cut into blocks dealt to the threads in turn. */
  blockRows: number;
}

/** A block being read: by which thread, up to which seq, and its next piece. */
interface InFlight {
  reader: RangeReader;
  to: number;
  pending: Promise<ExportPiece>;
}

/**
 * Blocks asked of each thread ahead of the one being written: with one, a thread that handed over
 * its piece waited a round trip through the main thread for the next (idle a third of the export,
 * in a CPU profile of a million records); with two, it goes on to its next block at once.
 */
const BLOCKS_AHEAD = 2;

/**
 * An export range formatted on several read threads at once, yielded in order. The range is cut
 * into blocks dealt to the threads in turn, BLOCKS_AHEAD each at a time, so all of them work while
 * the consumer writes. A block's first `prev_hash` is the stored hash of the record before it (one
 * indexed read), which is what lets blocks start anywhere. At most BLOCKS_AHEAD pieces (~120 KB of
 * text each, worker.ts) per thread wait at a time: memory does not grow with the export, and a slow
 * consumer holds every thread back.
 */
export async function* exportOverReaders(readers: readonly RangeReader[], plan: ExportPlan): AsyncGenerator<string> {
  const { format, hi, blockRows } = plan;
  let nextFrom = plan.lo;
  const ask = (reader: RangeReader, from: number, to: number, prev: string): Promise<ExportPiece> => {
    const p = reader.call({ kind: 'export-range', format, from, to, prev }) as Promise<ExportPiece>;
    p.catch(() => undefined); // read in turn; an abandoned export must not leave it unhandled
    return p;
  };
  // In the order of the log: the first is the block being written.
  const blocks: InFlight[] = [];
  const deal = (reader: RangeReader): void => {
    if (nextFrom > hi) return;
    const from = nextFrom;
    const to = Math.min(hi, from + blockRows - 1);
    nextFrom = to + 1;
    blocks.push({ reader, to, pending: ask(reader, from, to, plan.prevBefore(from)) });
  };
  for (let k = 0; k < BLOCKS_AHEAD; k++) for (const r of readers) deal(r);
  while (blocks.length) {
    const block = blocks[0]!;
    const piece = await block.pending;
    if (piece.last < block.to) block.pending = ask(block.reader, piece.last + 1, block.to, piece.prev);
    else {
      blocks.shift();
      deal(block.reader);
    }
    if (piece.text) yield piece.text;
  }
}
