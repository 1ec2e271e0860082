import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dataFiles } from '../config/paths.js';
import { readServerInfo } from '../config/server-info.js';
import { processState, START_SLACK_MS, type ProcessState } from './previous-server.js';

/** What `server.lock` holds: the server's pid, when it claimed the data dir, and a token of its own. */
interface LockHolder {
  pid: number;
  started_at: string;
  token: string;
}

/**
 * A lock file just created is empty for the moment between its creation and its write: so young,
 * it is taken as held; older and still unreadable, it is what a crash at that moment left.
 */
const UNWRITTEN_GRACE_MS = 5_000;

/** Another server holds (or is claiming) the data dir: said plainly, with where it answers if known. */
export class ServerLockedError extends Error {
  override readonly name = 'ServerLockedError';
}

function readHolder(file: string): LockHolder | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof v.pid === 'number' && typeof v.started_at === 'string' && typeof v.token === 'string' ? (v as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Whether `holder`'s process still runs: a pid now a zombie, gone, or started after the claim (reused after a reboot) does not. */
function holderRuns(holder: LockHolder, state: (pid: number) => ProcessState): boolean {
  const s = state(holder.pid);
  if (s.kind !== 'running') return false;
  return s.startedMs === null || s.startedMs <= Date.parse(holder.started_at) + START_SLACK_MS;
}

function lockedError(dataDir: string, holder: LockHolder | null): ServerLockedError {
  const info = readServerInfo(dataDir);
  const where = info && (!holder || info.pid === holder.pid) ? ` at ${info.url}` : '';
  const pid = holder ? ` (pid ${holder.pid})` : '';
  return new ServerLockedError(
    `another Gatehouse server is starting or running for the data directory ${dataDir}${where}${pid}. ` +
      `Use that one, stop it first, or start this one with another data directory. ` +
      `If no Gatehouse runs, remove ${dataFiles(dataDir).serverLock} and start again.`,
  );
}

/**
 * Claims the data dir for one server before it opens the database: two servers started at the same
 * moment both found no server.json (it is written once the port listens) and both opened the
 * database, the loser failing with "database is locked" or, worse, both writing the chain. The
 * claim is an exclusively created `server.lock`; one whose process no longer runs (a crash, a
 * kill -9) is taken over. One held by this same process is left alone (a second server in one
 * process is the caller's business, as for server.json). Returns the release, which removes the
 * file only while it is still this claim's.
 */
export function claimServerLock(dataDir: string, state: (pid: number) => ProcessState = processState): () => void {
  const file = dataFiles(dataDir).serverLock;
  const mine: LockHolder = { pid: process.pid, started_at: new Date().toISOString(), token: randomBytes(12).toString('hex') };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readHolder(file)?.token === mine.token) rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(file);
    if (holder === null) {
      let ageMs = Infinity;
      try {
        ageMs = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // gone meanwhile: claim again
      }
      if (ageMs < UNWRITTEN_GRACE_MS) throw lockedError(dataDir, null);
    } else if (holder.pid === process.pid) {
      return () => undefined;
    } else if (holderRuns(holder, state)) {
      throw lockedError(dataDir, holder);
    }
    // Left by a server that is gone: taken over.
    rmSync(file, { force: true });
  }
  throw lockedError(dataDir, readHolder(file));
}
