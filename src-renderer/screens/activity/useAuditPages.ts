import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditQuery, AuditRecord } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';

const PAGE = 200;

export interface AuditPages {
  rows: AuditRecord[];
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
  const [rows, setRows] = useState<AuditRecord[]>([]);
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
      setRows((r) => (r.length === 0 ? page.items : r.concat(page.items)));
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
    setRows([]);
    setDone(false);
    setError(null);
    void load(g);
  }, [key, gen, load]);

  const more = useCallback(() => {
    if (!busy.current && cursor.current) void load(generation.current);
  }, [load]);
  const reset = useCallback(() => setGen((x) => x + 1), []);
  return { rows, done, loading, error, more, reset };
}
