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
