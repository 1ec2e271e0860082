import { createRequire } from 'node:module';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SqlValue } from './types.js';

type SqliteModule = typeof import('node:sqlite');
let mod: SqliteModule | null = null;

/** Node (or Electron) without `node:sqlite`: the message says what to run instead. */
export class SqliteMissingError extends Error {
  override readonly name = 'SqliteMissingError';
}

/**
 * `node:sqlite`, loaded on first use. It is required lazily (not imported) so that bundles which
 * never open the database (the hooks) load on any Node, and so that its one-time "experimental"
 * warning, which would otherwise land on every CLI command's stderr, can be filtered out.
 */
export function sqlite(): SqliteModule {
  if (mod) return mod;
  const require = createRequire(import.meta.url);
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('SQLite is an experimental feature')) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    mod = require('node:sqlite') as SqliteModule;
  } catch (e) {
    throw new SqliteMissingError(
      `Gatehouse stores its data with node:sqlite, which Node ${process.version} does not have (Node ≥ 22.13 or Electron ≥ 37 needed). ` +
        'Run it through the `gatehouse` command or an npm script, which use the Node 24 runtime the project installs.',
      { cause: e },
    );
  } finally {
    process.emitWarning = emit;
  }
  return mod;
}

/** SQLite result codes (the primary code is `errcode & 0xff`). */
const STORAGE_CODES = new Set([
  5, // BUSY
  6, // LOCKED
  7, // NOMEM
  8, // READONLY
  10, // IOERR
  11, // CORRUPT
  13, // FULL
  14, // CANTOPEN
  15, // PROTOCOL
  26, // NOTADB
]);

/** The SQLite primary result code of an error from node:sqlite (null for other errors). */
export function sqliteCode(e: unknown): number | null {
  const code = (e as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code & 0xff : null;
}

/** True when an error means the disk or the database file cannot be used (not a bad statement). */
export function isStorageFailure(e: unknown): boolean {
  const code = sqliteCode(e);
  if (code !== null) return STORAGE_CODES.has(code);
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  return errno === 'ENOSPC' || errno === 'EROFS' || errno === 'EIO' || errno === 'EACCES' || errno === 'EDQUOT';
}

/**
 * Integers are bound as 64-bit integers (node:sqlite binds every JS number as a double, which
 * TEXT and untyped columns would store as `5.0`); everything else as is.
 */
function bindable(params: readonly Bindable[] | undefined): (Bindable | bigint)[] {
  if (!params || params.length === 0) return [];
  const out: (Bindable | bigint)[] = new Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    out[i] = typeof p === 'number' && Number.isSafeInteger(p) ? BigInt(p) : p;
  }
  return out;
}

/** What a statement binds: SqlValue, and bytes (BLOB columns such as the Merkle nodes). */
export type Bindable = SqlValue | Uint8Array;

const CACHE_LIMIT = 256;

export interface ConnectionOptions {
  readOnly?: boolean;
  /** Busy timeout (ms) for a connection that may meet another's lock. */
  timeoutMs?: number;
}

/** A statement kept for array rows, and whether the runtime gives them (else objects, converted). */
interface ArrayStatement {
  stmt: StatementSync;
  arrays: boolean;
}

/** One node:sqlite connection with a prepared-statement cache keyed by SQL text. */
export class Connection {
  readonly db: DatabaseSync;
  private readonly cache = new Map<string, StatementSync>();
  /** Statements that return rows as arrays (a statement's mode is its own, so they are kept apart). */
  private readonly arrayCache = new Map<string, ArrayStatement>();

  constructor(
    readonly path: string,
    opts: ConnectionOptions = {},
  ) {
    const { DatabaseSync } = sqlite();
    this.db = new DatabaseSync(path, { readOnly: opts.readOnly ?? false, timeout: opts.timeoutMs ?? 0 });
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare(sql: string): StatementSync {
    return this.cached(this.cache, sql, (text) => this.db.prepare(text));
  }

  private cached<S>(cache: Map<string, S>, sql: string, make: (sql: string) => S): S {
    let s = cache.get(sql);
    if (s) return s;
    s = make(sql);
    cache.set(sql, s);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
    }
    return s;
  }

  run(sql: string, params?: readonly Bindable[]): { changes: number | bigint } {
    return this.prepare(sql).run(...bindable(params));
  }

  all<T>(sql: string, params?: readonly Bindable[]): T[] {
    return this.prepare(sql).all(...bindable(params)) as T[];
  }

  /** The rows one at a time: a caller may stop before the last is read. */
  iterate<T>(sql: string, params?: readonly Bindable[]): IterableIterator<T> {
    return this.prepare(sql).iterate(...bindable(params)) as IterableIterator<T>;
  }

  /** Rows as arrays of column values, in the statement's column order (cheaper than objects). */
  allArrays<T extends unknown[]>(sql: string, params?: readonly Bindable[]): T[] {
    const { stmt, arrays } = this.arrayStatement(sql);
    const rows = stmt.all(...bindable(params));
    return (arrays ? rows : (rows as Record<string, unknown>[]).map((r) => Object.values(r))) as T[];
  }

  /** The statement of `sql`, returning arrays where the runtime can (node:sqlite from Node 22.16 / 24). */
  private arrayStatement(sql: string): ArrayStatement {
    return this.cached(this.arrayCache, sql, (text) => {
      const stmt = this.db.prepare(text);
      const arrays = typeof stmt.setReturnArrays === 'function';
      if (arrays) stmt.setReturnArrays(true);
      return { stmt, arrays };
    });
  }

  get<T>(sql: string, params?: readonly Bindable[]): T | undefined {
    return this.prepare(sql).get(...bindable(params)) as T | undefined;
  }

  /** A pragma's single value (`PRAGMA journal_mode` → 'wal'). */
  pragma<T = unknown>(text: string): T | undefined {
    const row = this.db.prepare(`PRAGMA ${text}`).get() as Record<string, unknown> | undefined;
    return row ? (Object.values(row)[0] as T) : undefined;
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  close(): void {
    this.cache.clear();
    this.arrayCache.clear();
    if (this.db.isOpen) this.db.close();
  }
}
