import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_PORT = 7077;

/** `--data-dir`, else `$GATEHOUSE_HOME`, else `~/.gatehouse` (SPEC 1). */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.GATEHOUSE_HOME) return resolve(env.GATEHOUSE_HOME);
  return join(homedir(), '.gatehouse');
}

/** Creates the data directory with mode 0700 (and tightens it if it already exists). */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Makes a file of the data dir readable by its owner only (0600) if anyone else could read it. */
export function tightenToOwner(file: string): void {
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

/**
 * `--port`, else `$GATEHOUSE_PORT` (empty meaning unset, as for every GATEHOUSE_ variable), else 7077.
 * Decimal digits only: Number() read "" as 0 (a random port) and "0x50" or "8e3" as other ports than written.
 */
export function resolvePort(flag?: string | number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = String(flag ?? (env.GATEHOUSE_PORT || DEFAULT_PORT));
  const n = Number(raw);
  // Which one was wrong: a stale $GATEHOUSE_PORT in the shell is not on the command line the user looks at.
  const from = flag === undefined && env.GATEHOUSE_PORT ? ' in $GATEHOUSE_PORT' : '';
  if (!/^\d{1,5}$/.test(raw) || n > 65535)
    throw new Error(`invalid port${from}: ${JSON.stringify(raw)} (a number from 0 to 65535; 0 picks a free one)`);
  return n;
}

export const dataFiles = (dir: string) => ({
  serverJson: join(dir, 'server.json'),
  /** Held by the one server of this data dir from before it opens the database until it has stopped. */
  serverLock: join(dir, 'server.lock'),
  credentials: join(dir, 'credentials.json'),
  database: join(dir, 'gatehouse.sqlite'),
  /** Where the 0.1 files (sql.js snapshot and journal/) are kept after the upgrade to 0.2. */
  legacy: join(dir, 'legacy-0.1'),
  policiesYaml: join(dir, 'policies.yaml'),
});
