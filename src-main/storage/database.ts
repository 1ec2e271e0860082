import { closeSync, openSync, rmSync } from 'node:fs';
import { APPLICATION_ID, FTS_SCHEMA_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { floorForExistingActions } from './rollup.js';
import { Connection, sqliteCode } from './sqlite.js';

/** The database file is not Gatehouse's, or is from a newer release. */
export class DatabaseFormatError extends Error {
  override readonly name = 'DatabaseFormatError';
}

/**
 * Settings of every connection to `gatehouse.sqlite`. WAL lets readers (the main thread, the read
 * worker, any SQLite tool) run beside the writer; synchronous=FULL fsyncs the WAL at every commit
 * (SPEC 8: a power loss loses no acknowledged action). Only the writer (a worker thread) commits,
 * so the WAL starts over only after one of its checkpoints: SQLite's automatic PASSIVE checkpoint
 * after a commit once the WAL holds 6,000 frames (~12 MB), which, with no other writer, reaches the
 * end of the WAL so that the next transaction starts it over. Most of the copying is done before
 * that by the indexer thread's checkpoints, beside the commits (worker.ts CHECKPOINT_ROWS).
 */
export function configure(conn: Connection, role: 'writer' | 'reader' | 'main'): void {
  useWal(conn, 'main', conn.path);
  conn.exec(
    [
      'PRAGMA synchronous = FULL',
      'PRAGMA foreign_keys = OFF',
      // The read worker's big GROUP BYs and sorts spill to temporary files, not to RAM.
      `PRAGMA temp_store = ${role === 'reader' ? 'FILE' : 'MEMORY'}`,
      `PRAGMA cache_size = ${role === 'reader' ? -4_096 : -8_192}`, // KiB of page cache
      'PRAGMA journal_size_limit = 67108864', // a WAL that grew in a burst is cut back to 64 MB
      `PRAGMA wal_autocheckpoint = ${role === 'writer' ? 6000 : 0}`,
    ].join(';'),
  );
}

/** Switches a database of the connection (`main`, or an attached one) to WAL, or throws. */
function useWal(conn: Connection, schema: 'main' | 'fts', path: string): void {
  const mode = conn.pragma<string>(`${schema}.journal_mode = WAL`);
  if (mode !== 'wal') throw new DatabaseFormatError(`${path}: could not switch to WAL (journal_mode is ${mode})`);
}

/**
 * Creates the file with mode 0600 if it does not exist, so that SQLite (which gives the -wal and
 * -shm files the database file's mode) never makes a world-readable file in the data dir.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
}

/**
 * 2 KiB pages (SQLite's default is 4): a commit dirties the tail page of each of some twenty
 * indexes, and in WAL mode each dirty page is written whole at every commit, so smaller pages cut
 * the bytes written (and fsynced, and checkpointed) per commit by about a third, measured here at
 * the same CPU cost and database size. Only possible before the file's first page is written.
 */
export function setPageSize(conn: Connection): void {
  if (conn.pragma<number>('page_count') === 0) conn.exec('PRAGMA page_size = 2048');
}

/**
 * What a database of an earlier 0.2 schema replaces before SCHEMA_SQL creates the current form:
 * the webhook drop counts' `overflowing` column, the agent index without the other filter columns
 * (schema 2), and the full-text table, which lived
 * in this file until schema 4 and now has a file of its own (`gatehouse-fts.sqlite`, indexed again
 * from the stored records by the indexer thread in the background, as after a crash). The old table
 * is only renamed here (cheap); the writer drops it in the background (DROP_RETIRED), since
 * dropping a million records' index frees every one of its pages.
 */
function upgradeSchema(conn: Connection): void {
  conn.exec('DROP INDEX IF EXISTS audit_agent');
  // A column with a default: earlier 0.2 releases read and write the table as before.
  if (
    conn.get("SELECT 1 FROM main.sqlite_schema WHERE name = 'webhook_drops'") &&
    !conn.get("SELECT 1 FROM pragma_table_info('webhook_drops') WHERE name = 'overflowing'")
  )
    conn.exec('ALTER TABLE main.webhook_drops ADD COLUMN overflowing INTEGER NOT NULL DEFAULT 0');
  if (conn.get("SELECT 1 FROM main.sqlite_schema WHERE name = 'audit_fts'")) {
    conn.exec('ALTER TABLE main.audit_fts RENAME TO audit_fts_retired');
    conn.run("DELETE FROM meta WHERE key = 'fts_seq'");
  }
}

/**
 * What a database of an earlier schema holds that this one no longer uses: the full-text table of
 * schema 3 or earlier (renamed by upgradeSchema) and the agent-keyed indexes of schema 4 (their rows
 * are in the full-text file's `audit_agent` now, see schema.ts). Dropped by the writer thread, once,
 * in the background (DROP_RETIRED): dropping a million records' index frees every one of its pages.
 * The first writes queue behind it, once: the writer thread's start and the drop took 355 ms for the
 * full-text table, 821 ms for the two agent indexes (the first commit's wait, on the bench's file of
 * a million records); the event loop is not held. Until then the writer keeps them up to date.
 */
export function hasRetired(conn: Connection): boolean {
  return (
    conn.get("SELECT 1 FROM main.sqlite_schema WHERE name IN ('audit_fts_retired', 'audit_agent_filters', 'actions_agent')") !== undefined
  );
}

export const DROP_RETIRED =
  'DROP TABLE IF EXISTS main.audit_fts_retired; DROP INDEX IF EXISTS main.audit_agent_filters; DROP INDEX IF EXISTS main.actions_agent';

/** The full-text index's own file, beside the live database (`gatehouse-fts.sqlite`). */
export function fullTextPath(livePath: string): string {
  return livePath.endsWith('.sqlite') ? `${livePath.slice(0, -'.sqlite'.length)}-fts.sqlite` : `${livePath}-fts`;
}

/**
 * Attaches the full-text index's file as `fts` to a connection that reads the live database, so
 * that `audit_fts` in a query is that file's table (the live file has none). Created empty if it
 * does not exist (the indexer thread fills it); a file that is not a database (damaged, truncated)
 * is replaced by an empty one: it holds nothing that the live log does not.
 */
export function attachFullText(conn: Connection, livePath: string): void {
  const path = fullTextPath(livePath);
  try {
    attach(conn, path);
  } catch (e) {
    const code = sqliteCode(e);
    if (code !== 11 && code !== 26) throw e; // CORRUPT, NOTADB
    if (conn.get("SELECT 1 FROM pragma_database_list WHERE name = 'fts'")) conn.exec('DETACH DATABASE fts');
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    attach(conn, path);
  }
}

/** Attaches the full-text file as it is (a read thread: the main thread has made it ready at open). */
export function attachFullTextAsIs(conn: Connection, livePath: string): void {
  conn.run('ATTACH DATABASE ? AS fts', [fullTextPath(livePath)]);
}

function attach(conn: Connection, path: string): void {
  createPrivateFile(path);
  conn.run('ATTACH DATABASE ? AS fts', [path]);
  useWal(conn, 'fts', path);
  conn.exec(FTS_SCHEMA_SQL.replaceAll('IF NOT EXISTS ', 'IF NOT EXISTS fts.'));
}

/**
 * The indexer thread's connection: the full-text file as its main database (written with
 * synchronous=NORMAL: a transaction lost to a power cut is indexed again from the live log, which
 * is the durable one), with the live database attached as `live` to read the records from.
 */
export function openIndexer(livePath: string): Connection {
  const conn = new Connection(fullTextPath(livePath), { timeoutMs: 5000 });
  try {
    useWal(conn, 'main', conn.path);
    conn.exec('PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 67108864');
    conn.run('ATTACH DATABASE ? AS live', [livePath]);
    return conn;
  } catch (e) {
    conn.close();
    throw e;
  }
}

/**
 * Opens (creating if needed) the live database with the schema applied: the main thread's
 * connection, which reads (the writer worker opens its own once this one has set the file up).
 */
export function openDatabase(path: string): Connection {
  createPrivateFile(path);
  const conn = new Connection(path);
  try {
    const appId = conn.pragma<number>('application_id') ?? 0;
    const version = conn.pragma<number>('user_version') ?? 0;
    const fresh = !conn.get("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit'");
    if (!fresh && appId !== APPLICATION_ID) {
      throw new DatabaseFormatError(`${path} is not a Gatehouse 0.2 database (application_id ${appId})`);
    }
    if (!fresh && version > SCHEMA_VERSION) {
      throw new DatabaseFormatError(`${path} was written by a newer Gatehouse (schema ${version}; this release reads ${SCHEMA_VERSION})`);
    }
    setPageSize(conn);
    configure(conn, 'main');
    applySchema(conn);
    attachFullText(conn, path);
    return conn;
  } catch (e) {
    conn.close();
    throw e;
  }
}

/** Creates every table, index and trigger (idempotent) and stamps the file as Gatehouse's. */
export function applySchema(conn: Connection): void {
  conn.exec('BEGIN IMMEDIATE');
  try {
    upgradeSchema(conn);
    floorForExistingActions(conn);
    conn.exec(SCHEMA_SQL);
    conn.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    conn.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    conn.exec('COMMIT');
  } catch (e) {
    if (conn.db.isTransaction) conn.exec('ROLLBACK');
    throw e;
  }
}
