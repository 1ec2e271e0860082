import { ApiError } from '../../api/client.js';

/**
 * What follows a page: the cursor of the next one (null at the end) and whether to ask for it at once.
 * A short page with a cursor is a walk the server cut at its time budget (rare filters over a long
 * log, SPEC 8), not the end: the next one is asked for at once until `size` rows have come since the
 * list last asked for more (`gathered`, this page's included). A cursor that does not move would ask
 * for the same page forever: it counts as the end.
 */
export function afterPage(
  asked: string | null,
  page: { items: unknown[]; next_cursor: string | null },
  size: number,
  gathered: number,
): { next: string | null; goOn: boolean } {
  const next = page.next_cursor !== asked ? page.next_cursor : null;
  return { next, goOn: next !== null && gathered < size };
}

/**
 * A failed page that the list waits out by itself, or null to show the error and wait for the
 * person (Retry). A 503 about a field is a list waiting for the search index to catch up (after an
 * upgrade it can take a minute): it says how far the index has got and when to ask again.
 */
export function indexWait(e: unknown): { ms: number; notice: string } | null {
  if (!(e instanceof ApiError) || e.status !== 503 || e.retryAfterS === null) return null;
  const detail = e.body?.error.details?.[0];
  if (!detail) return null;
  return { ms: Math.min(60, Math.max(1, e.retryAfterS)) * 1000, notice: `${detail.message}. Results appear as soon as it is done.` };
}
