import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

/**
 * The file operations the journal and the snapshot writer need, as a small injectable surface.
 * The default is node:fs; tests wrap it to count fsyncs or to make writes and fsyncs fail.
 * Every method is async so that a slow disk never blocks the event loop (group commit relies on
 * new commits queueing while a flush is in progress).
 */
export interface StorageIO {
  mkdir(path: string): Promise<void>;
  /** File names in a directory ([] when it does not exist). */
  readdir(path: string): Promise<string[]>;
  /** Size in bytes, or null when the file does not exist. */
  size(path: string): Promise<number | null>;
  open(path: string, flags: 'r' | 'r+' | 'w' | 'wx'): Promise<number>;
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync a directory so that a rename or a new file in it survives a crash. */
  fsyncDir(path: string): Promise<void>;
}

const pRead = promisify(fs.read);
const pWrite = (fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> =>
  new Promise((resolve, reject) => fs.write(fd, buf, off, len, pos, (err, written) => (err ? reject(err) : resolve(written))));

export const nodeIO: StorageIO = {
  async mkdir(path) {
    await fs.promises.mkdir(path, { recursive: true, mode: 0o700 });
  },
  async readdir(path) {
    try {
      return await fs.promises.readdir(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  },
  async size(path) {
    try {
      return (await fs.promises.stat(path)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  open: (path, flags) => promisify(fs.open)(path, flags, 0o600),
  read: async (fd, buf, offset, length, position) => (await pRead(fd, buf, offset, length, position)).bytesRead,
  write: (fd, buf, offset, length, position) => pWrite(fd, buf, offset, length, position),
  fdatasync: promisify(fs.fdatasync),
  fsync: promisify(fs.fsync),
  ftruncate: promisify(fs.ftruncate),
  close: promisify(fs.close),
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
  async fsyncDir(path) {
    // Windows cannot open a directory for fsync; there the rename is as durable as it gets.
    if (process.platform === 'win32') return;
    const fd = await promisify(fs.open)(path, 'r');
    try {
      await promisify(fs.fsync)(fd);
    } finally {
      await promisify(fs.close)(fd);
    }
  },
};

/** Writes the whole range, looping over short writes. */
export async function writeAll(io: StorageIO, fd: number, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await io.write(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error(`short write (${n} bytes)`);
    done += n;
  }
}

/**
 * Writes `chunks` to `path` atomically: a temp file beside it, fsync, rename over the target,
 * fsync the directory. A crash at any point leaves either the old file or the new one.
 */
export async function writeFileAtomic(
  io: StorageIO,
  path: string,
  chunks: Iterable<Uint8Array>,
  opts: { syncEveryBytes?: number } = {},
): Promise<number> {
  const tmp = `${path}.tmp`;
  const fd = await io.open(tmp, 'w');
  let pos = 0;
  let unsynced = 0;
  try {
    try {
      for (const chunk of chunks) {
        const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        await writeAll(io, fd, buf, pos);
        pos += buf.length;
        unsynced += buf.length;
        // Flushing as we go keeps the kernel from holding gigabytes of dirty pages that the
        // journal's next fdatasync would have to wait behind.
        if (opts.syncEveryBytes && unsynced >= opts.syncEveryBytes) {
          await io.fdatasync(fd);
          unsynced = 0;
        }
      }
      await io.fsync(fd);
    } finally {
      await io.close(fd);
    }
    await io.rename(tmp, path);
  } catch (e) {
    await io.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await io.fsyncDir(dirname(path));
  return pos;
}
