import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';

/**
 * Where `--out` writes an export. A regular file (new, or reached through a symlink) is written as
 * `<target>.part` and renamed onto the target when complete, so a half-written export never looks
 * whole and a symlink stays a symlink. `-`, a terminal, a pipe or a device (`/dev/stdout`) is written
 * to as it is: renaming over it would replace the device with a file.
 */
export interface ExportTarget {
  stream: NodeJS.WritableStream;
  /** Not a file: the export itself goes where a summary line would, so the summary goes to stderr. */
  isStream: boolean;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openExportTarget(out: string, stdout: NodeJS.WritableStream): Promise<ExportTarget> {
  if (out === '-') return { stream: stdout, isStream: true, commit: async () => undefined, abort: async () => undefined };
  // stat, not realpath: /dev/stdout on a pipe is /proc/self/fd/1 → "pipe:[…]", which no path names.
  const info = await stat(out).catch(() => null);
  if (info && !info.isFile()) {
    if (info.isDirectory()) throw new Error(`${out} is a directory`);
    const stream = createWriteStream(out, { flags: 'w' });
    await once(stream, 'open');
    return { stream, isStream: true, commit: () => ended(stream), abort: async () => void stream.destroy() };
  }
  const target = info ? await realpath(out) : await newFileAt(out);
  const part = `${target}.part`;
  // The audit log holds what agents did: the file is the user's alone (0600), like the data dir.
  // A stale .part from an earlier run is removed first: opening it would keep its old mode.
  await unlink(part).catch(() => undefined);
  const stream = (await open(part, 'wx', 0o600).catch((e: unknown) => Promise.reject(whyNotWritten(e, target)))).createWriteStream();
  return {
    stream,
    isStream: false,
    commit: async () => {
      await ended(stream);
      await chmod(part, 0o600); // whatever the umask did
      await rename(part, target);
    },
    abort: async () => {
      stream.destroy();
      await unlink(part).catch(() => undefined);
    },
  };
}

/**
 * Why a file could not be written, in the user's terms: the file asked for and its folder, never
 * the `.part` beside it nor a bare `ENOENT: … open '…'`.
 */
export function whyNotWritten(e: unknown, file: string): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const folder = dirname(resolve(file));
  if (code === 'ENOENT' || code === 'ENOTDIR') return new Error(`the folder ${folder} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`no permission to write in ${folder}`);
  if (code === 'EISDIR') return new Error(`${file} is a directory`);
  if (code === 'EROFS') return new Error(`${folder} is on a read-only file system`);
  if (code === 'ENOSPC') return new Error('the disk is full');
  return e instanceof Error ? e : new Error(String(e));
}

/** Where a file that does not exist yet goes: through a dangling symlink, to what it names. */
async function newFileAt(out: string): Promise<string> {
  const link = await lstat(out).catch(() => null);
  return link?.isSymbolicLink() ? resolve(dirname(out), await readlink(out)) : out;
}

async function ended(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}
