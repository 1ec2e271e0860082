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

interface Slot {
  reader: RangeReader;
  from: number;
  to: number;
  /** The hash before `from`. */
  prev: string;
  pending: Promise<ExportPiece>;
}

/**
 * An export range formatted on several read threads at once, yielded in order. The range is cut
 * into blocks; block i goes to thread i mod n, and each thread starts its next block as soon as it
 * has handed over its last piece, so all of them work while the consumer writes. A block's first
 * `prev_hash` is the stored hash of the record before it (one indexed read), which is what lets
 * blocks start anywhere. At most one piece (~120 KB of text, worker.ts) per thread is waiting at a
 * time: memory does not grow with the export, and a slow consumer holds every thread back.
 *
 * A thread that fails (it stopped, or its connection could not be opened) hands what it owed to
 * the threads still answering: any connection reads the same records, so the export is the same,
 * and it fails only when none is left.
 */
export async function* exportOverReaders(readers: readonly RangeReader[], plan: ExportPlan): AsyncGenerator<string> {
  const { format, hi, blockRows } = plan;
  const live = [...readers];
  let nextFrom = plan.lo;
  const ask = (reader: RangeReader, from: number, to: number, prev: string): Slot => {
    const pending = reader.call({ kind: 'export-range', format, from, to, prev }) as Promise<ExportPiece>;
    pending.catch(() => undefined); // read in turn; an abandoned export must not leave it unhandled
    return { reader, from, to, prev, pending };
  };
  const nextBlock = (reader: RangeReader): Slot | null => {
    if (nextFrom > hi) return null;
    const from = nextFrom;
    const to = Math.min(hi, from + blockRows - 1);
    nextFrom = to + 1;
    return ask(reader, from, to, plan.prevBefore(from));
  };
  const answering = (reader: RangeReader): RangeReader => (live.includes(reader) ? reader : live[0]!);
  const slots = readers.map((r) => nextBlock(r));
  for (let k = 0; slots[k];) {
    const slot = slots[k]!;
    let piece: ExportPiece;
    try {
      piece = await slot.pending;
    } catch (e) {
      const gone = live.indexOf(slot.reader);
      if (gone >= 0) live.splice(gone, 1);
      if (!live.length) throw e;
      slots[k] = ask(live[k % live.length]!, slot.from, slot.to, slot.prev);
      continue;
    }
    if (piece.last < slot.to) {
      slots[k] = ask(answering(slot.reader), piece.last + 1, slot.to, piece.prev);
    } else {
      slots[k] = nextBlock(answering(slot.reader));
      k = (k + 1) % readers.length;
    }
    if (piece.text) yield piece.text;
  }
}
