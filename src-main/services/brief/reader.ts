import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SqlValue, Store } from '../../storage/types.js';

/**
 * The one function the brief reads the database through: a read-only query, awaited. `rowsHint`
 * is how many rows the query may visit (the window's actions, the audit records after a seq): a
 * large one runs on the store's read worker, never on the event loop.
 */
export type BriefReader = <T>(sql: string, params?: SqlValue[], opts?: { rowsHint?: number }) => Promise<T[]>;

/** Reads from a store: yields to the event loop before every query, and sends the big ones to the read worker. */
export function storeReader(store: Pick<Store, 'allAsync'>): BriefReader {
  return async <T>(sql: string, params: SqlValue[] = [], opts: { rowsHint?: number } = {}) => {
    await yieldToLoop();
    return store.allAsync<T>(sql, params, opts);
  };
}
