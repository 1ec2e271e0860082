import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { jsonlLines } from './jsonl-lines.js';
import { createGunzip, createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { ArchivePrefix, AuditArchives } from '../../src-shared/index.js';

/**
 * Audit archives (SPEC 7.7): records moved out of the live database by retention, as
 * `archive/audit-<first seq>-<last seq>.jsonl.gz` — the exact JSONL export lines, gzipped — with
 * the signed checkpoint that covers them beside it (`audit-<first>-<last>.checkpoint`, the note of
 * the tree of the first <last> records) and the prefix (`audit-<first>-<last>.prefix.json`: the
 * Merkle subtrees of the records before it, see archive-prefix.ts). Each is verifiable on its own
 * with those two files (`gatehouse audit verify --file`, or `docs/verify_archive.py`); together
 * with the live log they are one chain.
 */

export interface ArchiveFile {
  first: number;
  last: number;
  /** The .jsonl.gz file. */
  path: string;
  /** The checkpoint note beside it (null when it is missing). */
  checkpointPath: string | null;
  /** The prefix file beside it (null when it is missing). */
  prefixPath: string | null;
}

const NAME = /^audit-(\d+)-(\d+)\.jsonl\.gz$/;

export const archiveDir = (dataDir: string): string => join(dataDir, 'archive');
export const archiveName = (first: number, last: number): string => `audit-${first}-${last}.jsonl.gz`;
export const checkpointName = (first: number, last: number): string => `audit-${first}-${last}.checkpoint`;
export const prefixName = (first: number, last: number): string => `audit-${first}-${last}.prefix.json`;

/** The prefix file beside an archive or an export: `X.jsonl.gz` or `X.jsonl` → `X.prefix.json`. */
export const prefixBeside = (path: string): string => `${path.replace(/\.jsonl(\.gz)?$/, '')}.prefix.json`;

/** The archives of a data dir, in seq order. */
export function listArchives(dataDir: string): ArchiveFile[] {
  const dir = archiveDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: ArchiveFile[] = [];
  for (const name of readdirSync(dir)) {
    const m = NAME.exec(name);
    if (!m) continue;
    const first = Number(m[1]);
    const last = Number(m[2]);
    const cp = join(dir, checkpointName(first, last));
    const prefix = join(dir, prefixName(first, last));
    out.push({
      first,
      last,
      path: join(dir, name),
      checkpointPath: existsSync(cp) ? cp : null,
      prefixPath: existsSync(prefix) ? prefix : null,
    });
  }
  return out.sort((a, b) => a.first - b.first);
}

/** The archives retention has committed (records 1..archivedRecords), as the API shows them. */
export function archivesView(dataDir: string, archivedRecords: number): AuditArchives {
  return {
    archived_records: archivedRecords,
    archives: listArchives(dataDir).flatMap((a) => {
      // One written but not yet committed is not an archive yet; one the user just deleted is gone.
      const size = a.last <= archivedRecords ? statSync(a.path, { throwIfNoEntry: false })?.size : undefined;
      if (size === undefined) return [];
      const file = `archive/${basename(a.path)}`;
      return [
        { first_seq: a.first, last_seq: a.last, file, bytes: size, checkpoint: a.checkpointPath !== null, prefix: a.prefixPath !== null },
      ];
    }),
  };
}

/** The lines of an archive, gunzipped as a stream. */
export async function* archiveLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path).pipe(createGunzip());
  try {
    for await (const line of jsonlLines(input)) if (line !== '') yield line;
  } finally {
    input.destroy();
  }
}

/** The lines of every archive, then of `more`: one stream of the whole log. */
export async function* concatLines(archives: readonly ArchiveFile[], more?: AsyncIterable<string>): AsyncGenerator<string> {
  for (const a of archives) yield* archiveLines(a.path);
  if (more) yield* more;
}

/**
 * Writes an archive from chunks of JSONL text (through `.part` files, fsynced, then renamed, so a
 * half-written archive never looks whole), and its checkpoint and prefix beside it, renamed into
 * place before it. Returns the path and the SHA-256 of the file's bytes, hashed as they are written
 * (an archive can be hundreds of MB: neither read again nor held in memory for it).
 */
export async function writeArchive(
  dataDir: string,
  first: number,
  last: number,
  chunks: AsyncIterable<string>,
  beside: { checkpoint: string; prefix: ArchivePrefix },
): Promise<{ path: string; sha256: string }> {
  const dir = archiveDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, archiveName(first, last));
  const part = `${path}.part`;
  await rm(part, { force: true });
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(part, { mode: 0o600 });
  const sha256 = createHash('sha256');
  gzip.on('data', (bytes: Buffer) => sha256.update(bytes));
  gzip.pipe(file);
  for await (const chunk of chunks) if (!gzip.write(chunk)) await once(gzip, 'drain');
  gzip.end();
  await once(file, 'finish');
  const fh = await open(part, 'r');
  await fh.sync();
  await fh.close();
  await writeBeside(join(dir, checkpointName(first, last)), beside.checkpoint);
  await writeBeside(join(dir, prefixName(first, last)), `${JSON.stringify(beside.prefix, null, 2)}\n`);
  await rename(part, path);
  // The renames are durable once the directory is: before retention deletes a live record.
  const dirHandle = await open(dir, 'r');
  await dirHandle.sync().finally(() => dirHandle.close());
  return { path, sha256: sha256.digest('hex') };
}

/** Writes a small file through a fsynced `.part`, then renames it into place. */
async function writeBeside(path: string, text: string): Promise<void> {
  const fh = await open(`${path}.part`, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(`${path}.part`, path);
}
