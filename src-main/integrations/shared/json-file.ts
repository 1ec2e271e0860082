import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A config file that belongs to another program, edited as text: read once, written atomically
 * with its mode kept, its previous version kept in a backup that is never overwritten.
 */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';
}

export interface TextFile {
  /** The real path (a symlinked config is written where it really is, the link kept). */
  path: string;
  text: string;
  mode: number;
}

export function readTextFile(path: string): TextFile {
  if (!existsSync(path)) throw new JsonFileError(`${path} does not exist`);
  const real = realpathSync(path);
  const st = statSync(real);
  if (!st.isFile()) throw new JsonFileError(`${path} is not a file`);
  return { path: real, text: readFileSync(real, 'utf8'), mode: st.mode & 0o7777 };
}

const MAX_BACKUPS = 100;

/**
 * A backup of `text` next to `path`: `<file>.gatehouse.bak`, or the first `<file>.gatehouse.N.bak`
 * that is free, unless one of them already holds exactly `text` (then that one). An existing
 * backup is never overwritten: the first one keeps the file as it was before Gatehouse touched it.
 */
export function keepBackup(path: string, text: string, mode: number): string {
  for (let n = 0; n < MAX_BACKUPS; n++) {
    const b = n === 0 ? `${path}.gatehouse.bak` : `${path}.gatehouse.${n}.bak`;
    if (existsSync(b)) {
      if (readFileSync(b, 'utf8') === text) return b;
      continue;
    }
    writeFileSync(b, text, { mode: mode & 0o777, flag: 'wx' });
    return b;
  }
  throw new JsonFileError(`${path} already has ${MAX_BACKUPS} Gatehouse backups; remove the old ones first — it was left untouched`);
}

/**
 * Replaces the file's text atomically (temp file in the same folder, fsync, rename) with its mode,
 * after keeping its current text in a backup (returned). Refuses when the file changed since it was
 * read (its program rewrote it meanwhile): nothing is written then.
 */
export function writeTextAtomic(file: TextFile, text: string): string {
  const backup = keepBackup(file.path, file.text, file.mode);
  const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fchmodSync(fd, file.mode);
    fsyncSync(fd);
    closeSync(fd);
    if (readFileSync(file.path, 'utf8') !== file.text)
      throw new JsonFileError(`${file.path} changed while it was being edited; it was left untouched — run the command again`);
    renameSync(tmp, file.path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  return backup;
}
