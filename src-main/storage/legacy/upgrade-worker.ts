/**
 * The thread that builds the 0.2 database of a 0.1 upgrade (build.ts), so that none of that work,
 * which grows with the log, runs on the event loop. One build per thread: it posts the result, or
 * the error (its class by name, so UpgradeError and LegacyJournalError reach the caller as such),
 * and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteCode } from '../sqlite.js';
import { buildDatabase, type BuildPaths } from './build.js';

const port = parentPort!;
// No top-level await: the app's bundler may emit this entry as CommonJS.
void buildDatabase(workerData as BuildPaths).then(
  (result) => port.postMessage({ ok: true, result }),
  (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = sqliteCode(e);
    const errno = (e as NodeJS.ErrnoException | null)?.code;
    port.postMessage({
      ok: false,
      name: err.name,
      message: err.message,
      ...(code === null ? {} : { errcode: (e as { errcode: number }).errcode }),
      ...(typeof errno === 'string' ? { code: errno } : {}),
    });
  },
);
