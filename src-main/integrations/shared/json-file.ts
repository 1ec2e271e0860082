import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** A JSON settings/config file that belongs to another program: read strictly, written atomically. */
export interface JsonFile {
  path: string;
  exists: boolean;
  data: Record<string, unknown>;
  /** The file's text as read (to tell whether anything changed). */
  text: string | null;
}

export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';
}

/** Reads a JSON object file. A missing file is `{}`; anything that is not a JSON object is refused. */
export function readJsonObject(path: string, { mustExist = false } = {}): JsonFile {
  if (!existsSync(path)) {
    if (mustExist) throw new JsonFileError(`${path} does not exist`);
    return { path, exists: false, data: {}, text: null };
  }
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return { path, exists: true, data: {}, text };
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new JsonFileError(`${path} is not valid JSON (${(e as Error).message}); fix it first — it was left untouched`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new JsonFileError(`${path} does not hold a JSON object; it was left untouched`);
  return { path, exists: true, data: v as Record<string, unknown>, text };
}

export const backupPath = (path: string) => `${path}.gatehouse.bak`;

/**
 * Writes `data` as pretty JSON atomically (temp file in the same folder, fsync, rename), keeping
 * the previous version in `<file>.gatehouse.bak` and the previous file mode. Returns the backup path
 * (null when there was no previous file).
 */
export function writeJsonAtomic(path: string, data: unknown): string | null {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  let mode = 0o644;
  let backup: string | null = null;
  if (existsSync(path)) {
    mode = statSync(path).mode & 0o777;
    backup = backupPath(path);
    copyFileSync(path, backup);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return backup;
}
