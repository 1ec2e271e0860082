import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditQuery, AuditRecord } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';

const PAGE = 200;

export interface AuditPages {
  /** The loaded rows (one array that grows; read `count` for its length in render). */
  rows: AuditRecord[];
  count: number;
  done: boolean;
  loading: boolean;
  error: string | null;
  /** Loads the next page (no-op while one is loading or when done). */
  more: () => void;
  /** Starts again from the newest record. */
  reset: () => void;
}

/**
 * Cursor pagination over the audit log, newest first. Pages are appended as the table scrolls, so
 * a log of a million records costs one request per 200 rows actually reached.
 */
export function useAuditPages(query: Partial<AuditQuery>, key: string): AuditPages {
  // Rows live in one growing array (no copy per page: a long scroll can reach a million rows);
  // `count` changing is what re-renders the table.
  const rowsRef = useRef<AuditRecord[]>([]);
  const [count, setCount] = useState(0);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [gen, setGen] = useState(0);
  const cursor = useRef<string | null>(null);
  const busy = useRef(false);
  const generation = useRef(0);
  const queryRef = useRef(query);
  queryRef.current = query;

  const load = useCallback(async (g: number) => {
    if (busy.current) return;
    busy.current = true;
    setLoading(true);
    try {
      const page = await api.audit({ ...queryRef.current, limit: PAGE, cursor: cursor.current ?? undefined });
      if (g !== generation.current) return;
      cursor.current = page.next_cursor;
      for (const it of page.items) rowsRef.current.push(it);
      setCount(rowsRef.current.length);
      setDone(!page.next_cursor || page.items.length === 0);
      setError(null);
    } catch (e) {
      if (g === generation.current) setError(errorMessage(e));
    } finally {
      busy.current = false;
      if (g === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const g = ++generation.current;
    cursor.current = null;
    busy.current = false;
    rowsRef.current = [];
    setCount(0);
    setDone(false);
    setError(null);
    void load(g);
  }, [key, gen, load]);

  const more = useCallback(() => {
    if (!busy.current && cursor.current) void load(generation.current);
  }, [load]);
  const reset = useCallback(() => setGen((x) => x + 1), []);
  return { rows: rowsRef.current, count, done, loading, error, more, reset };
}
