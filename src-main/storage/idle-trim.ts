import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's own collector, with its `last-resort` flavour: the memory-reducing collection V8 runs on a
 * low-memory notification, which also shrinks the young generation and hands back the pages that
 * the heap keeps pooled. Node exposes it only through `--expose-gc`, so the flag is set for the
 * moment it takes to make one context that has `gc` (and cleared again: a thread started meanwhile
 * would only see a `gc` function too); null where that fails. It costs ~10-35 ms of this thread's
 * CPU (several full collections of a small heap), once per idle spell.
 */
function memoryReducingGc(): (() => void) | null {
  const wrap = (gc: unknown) =>
    typeof gc === 'function' ? () => (gc as (o: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' }) : null;
  // A process started with --expose-gc (the memory test) has it already, and keeps the flag.
  const own = (globalThis as { gc?: unknown }).gc;
  if (own) return wrap(own);
  try {
    setFlagsFromString('--expose-gc');
    return wrap(runInNewContext('gc'));
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface IdleTrim {
  /** The thread is at work (a request, an indexing step): a trim waits for `idleMs` more of quiet. */
  busy(): void;
  /** Whether the thread has trimmed since it was last busy (tests). */
  readonly trimmed: boolean;
  /** How many trims ran (tests). */
  readonly count: number;
  stop(): void;
}

/**
 * A storage thread hands back its memory once it has been idle for `idleMs`: SQLite's page cache
 * (`release`, e.g. `PRAGMA shrink_memory`) and the V8 heap it grew while working (young generation
 * and pooled pages), which V8 otherwise keeps resident for as long as the thread lives. Measured on
 * the storage bench (bench/rss-probe.ts): after an ingest the writer held ~15-19 MB of heap and the
 * indexer ~20-36 MB, of which ~5-10 MB was live, while the page thread and the main thread read pages.
 * The next piece of work runs on a cold young generation and page cache (read back from the OS's
 * file cache).
 */
export function idleTrim(idleMs: number, release: () => void): IdleTrim {
  const gc = memoryReducingGc();
  let timer: NodeJS.Timeout | null = null;
  let trimmed = true;
  let count = 0;
  const trim = () => {
    timer = null;
    try {
      release();
    } catch {
      // a closed connection or a failing disk: nothing held to give back
    }
    gc?.();
    trimmed = true;
    count++;
  };
  return {
    busy() {
      trimmed = false;
      if (timer) timer.refresh();
      else {
        timer = setTimeout(trim, idleMs);
        timer.unref();
      }
    },
    get trimmed() {
      return trimmed;
    },
    get count() {
      return count;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
