/**
 * How far one page of a list may read (SPEC 8: no request holds the event loop over 50 ms at any
 * size of log). A filter that one index cannot answer whole (a rare decision among an agent's
 * actions, two words that seldom meet) is tested row by row along the walk; at a million records
 * such a page read for seconds. A bounded walk reads the log newest first in windows and stops when
 * the page is full, the log ends, or `budgetMs` is spent: then the page holds what it found, maybe
 * nothing, and a cursor where the walk stopped, so the next request goes on from there.
 */
export interface WalkLimits {
  /** Milliseconds of reading after which a page answers with what it has found. */
  budgetMs: number;
  /** Positions in the first window (seqs, index entries: the caller's unit). */
  firstWindow: number;
  /** The most positions one window may hold. */
  maxWindow: number;
}

/**
 * Windows stay small because what one position costs is not known ahead: on the bench's 1M log a
 * window that tests fat audit rows costs ~1.5 µs a position warm, while a stretch without candidates
 * (the newest records all of another type) costs almost nothing and would otherwise grow the next
 * window past the first dense run (262,144 positions: 0.2-13 s). 8,192 positions is ~14 ms warm.
 *
 * The first window is small because the first one of a kind of walk has no pace to go by and may
 * read from disk: with the page cache dropped, the first page of `decision=denied&risk_level=low`
 * took 68-185 ms starting at 2,048 positions and 19-22 ms at 256 (and two filters with a status,
 * 56-98 → 18-28 ms); a warm walk reaches full-size windows two windows later.
 */
export const PAGE_WALK: WalkLimits = { budgetMs: 15, firstWindow: 256, maxWindow: 8_192 };

/** The time a window aims to take, so that a page looks at its budget several times. */
const WINDOW_MS = 4;

/** One window's outcome: the page is full, the walk reached the end of what it may read, or it may go on. */
export type WindowEnd = 'full' | 'end' | 'more';

/**
 * Calls `step(size)` for successive windows until it answers 'full' or 'end', or the budget is
 * spent after a window that answered 'more' ('budget'). At least one window is always read. Each
 * next window is sized from the last one's pace (at most four times bigger), so that a warm index
 * is crossed in a few large steps and a cold one in small ones.
 *
 * `kind` names the walk (the same reader over the same table): its next page starts no bigger than
 * the size its last window came to, so that the pages of a walk through cold parts of the file do
 * not each begin with a first-size window read from disk (one took 193 ms on the 1M log).
 */
export function walkWindows(limits: WalkLimits, step: (size: number) => WindowEnd, kind?: string): 'full' | 'end' | 'budget' {
  const start = performance.now();
  const clamp = (n: number) => Math.max(1, Math.min(limits.maxWindow, Math.round(n)));
  let size = clamp(Math.min(limits.firstWindow, (kind === undefined ? undefined : lastSize.get(kind)) ?? Infinity));
  try {
    for (;;) {
      const t = performance.now();
      const end = step(size);
      const now = performance.now();
      size = clamp(size * Math.min(4, WINDOW_MS / Math.max(now - t, 0.05)));
      if (end !== 'more') return end;
      if (now - start >= limits.budgetMs) return 'budget';
    }
  } finally {
    if (kind !== undefined) lastSize.set(kind, size);
  }
}

/** The window size each kind of walk came to last (a handful of kinds: see the callers). */
const lastSize = new Map<string, number>();

/**
 * A bounded walk down the seq range `range`, newest first, in windows of seqs: `read(window, need)`
 * reads one window's rows, at most `need`. Stops once `want` rows are found; `resumeAt` is the seq
 * where the next page starts when the budget cut the walk short (null otherwise).
 */
export function walkSeqWindows<T>(
  limits: WalkLimits,
  range: { lo: number; hi: number },
  want: number,
  read: (window: { lo: number; hi: number }, need: number) => T[],
  kind: string,
): { rows: T[]; resumeAt: number | null } {
  const rows: T[] = [];
  let hi = range.hi;
  const end = walkWindows(
    limits,
    (size) => {
      const lo = Math.max(range.lo, hi - size + 1);
      rows.push(...read({ lo, hi }, want - rows.length));
      if (rows.length >= want) return 'full';
      hi = lo - 1;
      return hi < range.lo ? 'end' : 'more';
    },
    kind,
  );
  return { rows, resumeAt: end === 'budget' ? hi + 1 : null };
}
