import { readFile } from 'node:fs/promises';
import { ArchivePrefixSchema, ZERO_HASH, type ArchivePrefix } from '../../src-shared/index.js';
import { decompose, foldRight, inclusionProof, leafHashOfHex, verifyInclusion, type Hash, type SubtreeSource } from './merkle.js';

/**
 * The prefix file beside an archive (SPEC 7.7, `ArchivePrefixSchema`): the Merkle subtrees of the
 * records before it, so that the archive alone reproduces the root its checkpoint signs.
 */

/** The prefix of the records 1..size, read from the live tree (retention, before it deletes them). */
export function buildPrefix(src: SubtreeSource, size: number, prevHash: string): ArchivePrefix {
  return {
    format: 'gatehouse-archive-prefix/1',
    size,
    prev_hash: prevHash,
    subtrees: decompose(0, size).map((span) => ({ ...span, hash: src.subtree(span.start, span.size).toString('hex') })),
    prev_proof: size ? inclusionProof(src, size - 1, size).map((h) => h.toString('hex')) : [],
  };
}

/** A prefix whose parts agree with each other, as CompactTree takes it. */
export interface CheckedPrefix {
  size: number;
  prevHash: string;
  subtrees: Hash[];
}

/**
 * Checks that a prefix is well formed: its subtrees are those of 1..size, and `prev_hash` is the
 * last of those records (its proof leads to their root). What it cannot check alone is that the
 * subtrees are the real log's: the signed root does that, once the archive's records are added.
 */
export function checkPrefix(p: ArchivePrefix): CheckedPrefix {
  const spans = decompose(0, p.size);
  if (spans.length !== p.subtrees.length || spans.some((s, i) => s.start !== p.subtrees[i]!.start || s.size !== p.subtrees[i]!.size))
    throw new Error(`its subtrees are not those of the first ${p.size} records`);
  const subtrees = p.subtrees.map((s) => Buffer.from(s.hash, 'hex'));
  if (p.size === 0) {
    if (p.prev_hash !== ZERO_HASH || p.prev_proof.length) throw new Error('a prefix of 0 records has prev_hash 64 zeros and no proof');
  } else {
    const proof = p.prev_proof.map((h) => Buffer.from(h, 'hex'));
    if (!verifyInclusion(p.size - 1, p.size, leafHashOfHex(p.prev_hash), proof, foldRight(subtrees)))
      throw new Error(`its prev_hash is not record ${p.size} of its subtrees (the inclusion proof fails)`);
  }
  return { size: p.size, prevHash: p.prev_hash, subtrees };
}

/** Reads and checks a prefix file; the error names the file and what is wrong. */
export async function readPrefix(path: string): Promise<CheckedPrefix> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const r = ArchivePrefixSchema.safeParse(parsed);
  if (!r.success)
    throw new Error(`${path}: not an archive prefix (${r.error.issues[0]?.path.join('.') || 'file'}: ${r.error.issues[0]?.message})`);
  try {
    return checkPrefix(r.data);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
