import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SqlValue } from '../../storage/types.js';

/**
 * The one function the brief reads the database through: a read-only query, awaited. Today it
 * runs on the main thread between yields; when storage offers reads off the main thread (a worker
 * for heavy reads), only `storeReader` changes.
 */
export type BriefReader = <T>(sql: string, params?: SqlValue[]) => Promise<T[]>;

/** Reads from a store on the main thread, yielding to the event loop before every query. */
export function storeReader(store: { all<T>(sql: string, params?: SqlValue[]): T[] }): BriefReader {
  return async <T>(sql: string, params: SqlValue[] = []) => {
    await yieldToLoop();
    return store.all<T>(sql, params);
  };
}
