import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Database as SqlJsDatabase, SqlJsStatic, Statement } from 'sql.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import type { SqlValue } from './types.js';

let sqlJs: Promise<SqlJsStatic> | null = null;

/** Loads sql.js (WASM) once per process, from the installed package. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!sqlJs) {
    const require = createRequire(import.meta.url);
    const init = require('sql.js') as (config?: { locateFile?: (file: string) => string }) => Promise<SqlJsStatic>;
    const dist = dirname(require.resolve('sql.js/dist/sql-wasm.js'));
    sqlJs = init({ locateFile: (file) => join(dist, file) });
    sqlJs.catch(() => {
      sqlJs = null;
    });
  }
  return sqlJs;
}

const CACHE_LIMIT = 256;

interface Cached {
  stmt: Statement;
  columns: string[] | null;
}

/**
 * A sql.js database with a prepared-statement cache keyed by SQL text. The database file lives in
 * sql.js's in-memory file system; durability is the journal's job, so SQLite's own rollback journal
 * is kept in memory and syncs are off.
 */
export class Database {
  private readonly cache = new Map<string, Cached>();
  private txDepth = 0;

  private constructor(private readonly db: SqlJsDatabase) {
    this.configure();
  }

  /** A database from snapshot bytes (or empty), with the schema applied. */
  static async open(bytes?: Uint8Array): Promise<Database> {
    const SQL = await loadSqlJs();
    const db = new Database(new SQL.Database(bytes));
    db.db.exec(SCHEMA_SQL);
    // Let FTS4 merge its segments a little on every insert (persisted in the index). Fewer segments
    // make free-text queries over a large log several times faster at no measurable ingest cost.
    // A physical layout setting: it changes no row, so it needs no journal entry.
    db.db.exec("INSERT INTO audit_fts(audit_fts) VALUES('automerge=8')");
    return db;
  }

  get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  run(sql: string, params?: readonly SqlValue[]): void {
    const stmt = this.prepare(sql).stmt;
    try {
      if (params && params.length) stmt.bind(params as SqlValue[]);
      stmt.step();
    } finally {
      stmt.reset();
    }
  }

  /** Rows as objects keyed by column name. */
  all<T>(sql: string, params?: readonly SqlValue[]): T[] {
    const c = this.prepare(sql);
    const { stmt } = c;
    const out: T[] = [];
    try {
      if (params && params.length) stmt.bind(params as SqlValue[]);
      while (stmt.step()) {
        const cols = (c.columns ??= stmt.getColumnNames());
        const values = stmt.get();
        const row: Record<string, unknown> = {};
        for (let i = 0; i < cols.length; i++) row[cols[i]!] = values[i];
        out.push(row as T);
      }
    } finally {
      stmt.reset();
    }
    return out;
  }

  get<T>(sql: string, params?: readonly SqlValue[]): T | undefined {
    // Rows are few for get(); reuse all() but stop reading after the first.
    const c = this.prepare(sql);
    const { stmt } = c;
    try {
      if (params && params.length) stmt.bind(params as SqlValue[]);
      if (!stmt.step()) return undefined;
      const cols = (c.columns ??= stmt.getColumnNames());
      const values = stmt.get();
      const row: Record<string, unknown> = {};
      for (let i = 0; i < cols.length; i++) row[cols[i]!] = values[i];
      return row as T;
    } finally {
      stmt.reset();
    }
  }

  /** Rows as arrays in select order: the fast path for bulk reads (export, verify). */
  rows(sql: string, params?: readonly SqlValue[]): unknown[][] {
    const { stmt } = this.prepare(sql);
    const out: unknown[][] = [];
    try {
      if (params && params.length) stmt.bind(params as SqlValue[]);
      while (stmt.step()) out.push(stmt.get());
    } finally {
      stmt.reset();
    }
    return out;
  }

  /** Runs `fn` in a transaction (nested calls use savepoints); rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    const depth = this.txDepth;
    const name = `sp${depth}`;
    this.run(depth === 0 ? 'BEGIN' : `SAVEPOINT ${name}`);
    this.txDepth++;
    try {
      const result = fn();
      this.run(depth === 0 ? 'COMMIT' : `RELEASE ${name}`);
      return result;
    } catch (e) {
      if (depth === 0) this.run('ROLLBACK');
      else {
        this.run(`ROLLBACK TO ${name}`);
        this.run(`RELEASE ${name}`);
      }
      throw e;
    } finally {
      this.txDepth = depth;
    }
  }

  /** The database file as bytes (an independent copy). Must not run inside a transaction. */
  export(): Uint8Array {
    if (this.txDepth) throw new Error('cannot export inside a transaction');
    const bytes = this.db.export();
    // Older sql.js releases closed and reopened the connection on export, which frees every
    // prepared statement and resets pragmas. Drop the cache and reapply settings either way.
    this.clearCache();
    this.configure();
    return bytes;
  }

  close(): void {
    this.clearCache();
    this.db.close();
  }

  private prepare(sql: string): Cached {
    let c = this.cache.get(sql);
    if (c) return c;
    c = { stmt: this.db.prepare(sql), columns: null };
    this.cache.set(sql, c);
    if (this.cache.size > CACHE_LIMIT) {
      // Evict the oldest prepared (hot statements are re-prepared cheaply if that was one of them).
      const [oldSql, old] = this.cache.entries().next().value as [string, Cached];
      this.cache.delete(oldSql);
      old.stmt.free();
    }
    return c;
  }

  private clearCache(): void {
    for (const c of this.cache.values()) c.stmt.free();
    this.cache.clear();
  }

  private configure(): void {
    this.db.exec('PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768;');
  }
}
