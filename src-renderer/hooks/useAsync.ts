import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client.js';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Fetches again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * Runs `fn` when `deps` change and keeps the last answer; stale answers (from an older call) are
 * dropped. Errors become a sentence to show where the data would have been.
 */
export function useAsync<T>(fn: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const call = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    const mine = ++call.current;
    setLoading(true);
    fnRef
      .current()
      .then((d) => {
        if (mine !== call.current) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => {
        if (mine === call.current) setError(errorMessage(e));
      })
      .finally(() => {
        if (mine === call.current) setLoading(false);
      });
    // The caller's deps decide when to fetch again.
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
