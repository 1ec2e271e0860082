import { isStorageFailure, sqliteCode } from './sqlite.js';
import type { WorkerReply } from './workers.js';

/** A thread's answer to request `id` that failed with `e`: what it was (a storage failure? SQLite's code? the error's name). */
export function failureReply(id: number, e: unknown): WorkerReply {
  const code = sqliteCode(e);
  return {
    id,
    ok: false,
    error: (e as Error).message,
    storage: isStorageFailure(e),
    errorName: (e as Error).name,
    ...(code === null ? {} : { sqliteCode: code }),
  };
}
