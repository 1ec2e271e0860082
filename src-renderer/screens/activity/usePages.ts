import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/client.js';
import { afterPage, indexWait } from './page-step.js';

const PAGE = 200;

export interface Pages<T> {
  /** The loaded rows (one array that grows; read `count` for its length in render). */
  rows: T[];
  count: number;
  done: boolean;
  loading: boolean;
  error: string | null;
  /** Milliseconds the first page took (from the request to the rows in state), for the bench and the meta line. */
  firstPageMs: number | null;
  /** The server cut a page short and the list is going on through older history (SPEC 8). */
  searching: boolean;
  /** What the list is waiting for before it asks again by itself (the search index catching up), else null. */
  notice: string | null;
  /** Loads the next page (no-op while one is loading or when done). */
  more: () => void;
  /** Starts again from the newest row. */
  reset: () => void;
}

export type FetchPage<T> = (p: { limit: number; cursor?: string }) => Promise<{ items: T[]; next_cursor: string | null }>;

/**
 * Cursor pagination, newest first. Pages are appended as the table scrolls, so a log of a million
 * records costs one request per 200 rows actually reached. `key` identifies the query: when it
 * changes the list starts again (answers for an older key are dropped).
 */
export function usePages<T>(fetchPage: FetchPage<T>, key: string): Pages<T> {
  // Rows live in one growing array (no copy per page: a long scroll can reach a million rows);
  // `count` changing is what re-renders the table.
  const rowsRef = useRef<T[]>([]);
  const [count, setCount] = useState(0);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [firstPageMs, setFirstPageMs] = useState<number | null>(null);
  const [searching, setSearching] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [gen, setGen] = useState(0);
  const cursor = useRef<string | null>(null);
  const busy = useRef(false);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(async (g: number, gathered = 0) => {
    if (busy.current) return;
    busy.current = true;
    setLoading(true);
    const first = cursor.current === null;
    const t0 = performance.now();
    let goOn = false;
    let retryMs: number | null = null;
    try {
      const asked = cursor.current;
      const page = await fetchRef.current({ limit: PAGE, cursor: asked ?? undefined });
      if (g !== generation.current) return;
      const step = afterPage(asked, page, PAGE, gathered + page.items.length);
      cursor.current = step.next;
      for (const it of page.items) rowsRef.current.push(it);
      setCount(rowsRef.current.length);
      setDone(step.next === null);
      setError(null);
      setNotice(null);
      if (first) setFirstPageMs(Math.round(performance.now() - t0));
      goOn = step.goOn;
      setSearching(goOn);
      gathered += page.items.length;
    } catch (e) {
      if (g === generation.current) {
        const wait = indexWait(e);
        retryMs = wait?.ms ?? null;
        setNotice(wait?.notice ?? null);
        setError(wait ? null : errorMessage(e));
        setSearching(false);
      }
    } finally {
      if (g === generation.current) {
        busy.current = false;
        setLoading(false);
      }
    }
    if (goOn && g === generation.current) void load(g, gathered);
    if (retryMs !== null && g === generation.current) setTimeout(() => g === generation.current && void load(g, gathered), retryMs);
  }, []);

  useEffect(() => {
    const g = ++generation.current;
    cursor.current = null;
    busy.current = false;
    rowsRef.current = [];
    setCount(0);
    setDone(false);
    setError(null);
    setFirstPageMs(null);
    setSearching(false);
    setNotice(null);
    void load(g);
  }, [key, gen, load]);

  // Unmounted: answers and retries still on their way are dropped.
  useEffect(
    () => () => {
      generation.current++;
    },
    [],
  );

  const more = useCallback(() => {
    if (!busy.current && cursor.current) void load(generation.current);
  }, [load]);
  const reset = useCallback(() => setGen((x) => x + 1), []);
  return { rows: rowsRef.current, count, done, loading, error, firstPageMs, searching, notice, more, reset };
}
