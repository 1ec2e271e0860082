import { leafHashOfHex, nodeHash, type Hash, type SubtreeSource } from '../audit/merkle.js';
import { isStorageFailure, type Connection } from './sqlite.js';

/**
 * The audit log's Merkle tree as the store keeps it (SPEC 7.6; the tree itself is audit/merkle.ts).
 *
 * `merkle_nodes` holds the hash of every aligned perfect subtree of 2^8 = 256 leaves and up whose
 * leaves all exist; the writer adds them in the same transaction as the records that complete them
 * (a record and the nodes above it are never stored apart). At a million records that is ~8,000
 * rows (~400 KB). Subtrees under 256 leaves are folded from the records' own hashes when asked, so
 * a root or a proof at any size costs O(log n) node lookups plus at most a few hundred leaf reads,
 * and nothing is rebuilt at start-up. A log written before the table existed (0.1 upgraded, early
 * 0.2) gets it built by `extendMerkle` in bounded slices on the writer thread (see SqliteStore).
 */

export const BASE_LEVEL = 8;
export const BLOCK = 1 << BASE_LEVEL;

/** A subtree the store cannot give yet: the tree is still being built, or the leaves are gone. */
export class MerkleUnavailableError extends Error {
  override readonly name = 'MerkleUnavailableError';

  /** `leaves`: the 0-based leaf range [first, last] whose record hashes are gone (archived), when that is the cause. */
  constructor(
    message: string,
    readonly leaves?: { first: number; last: number },
  ) {
    super(message);
  }
}

const NODE = 'SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?';
const INSERT_NODE = 'INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)';
const BLOCK_ROWS = 'SELECT seq, hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq';
const KEPT_ROWS = 'SELECT seq, hash FROM merkle_kept_leaves WHERE seq > ? AND seq <= ? ORDER BY seq';

/** How many 256-leaf blocks have their node (they are built in order, from block 0). */
export function builtBlocks(conn: Connection): number {
  const r = conn.get<{ n: number | null }>('SELECT MAX(idx) AS n FROM merkle_nodes WHERE level = ?', [BASE_LEVEL]);
  return r?.n === null || r?.n === undefined ? 0 : Number(r.n) + 1;
}

/** The highest seq of the live log (0 when empty). */
function headSeq(conn: Connection): number {
  return Number(conn.get<{ n: number | null }>('SELECT MAX(seq) AS n FROM audit')?.n ?? 0);
}

/**
 * Record hashes of leaves [from, to) (0-based leaf indexes; leaf i is seq i + 1), from the live log
 * and, for archived records, the kept leaves. Entries that exist in neither are undefined.
 */
function recordHashes(conn: Connection, from: number, to: number): (string | undefined)[] {
  const out: (string | undefined)[] = new Array<string | undefined>(to - from);
  for (const r of conn.all<{ seq: number; hash: string }>(BLOCK_ROWS, [from, to])) out[Number(r.seq) - 1 - from] = r.hash;
  if (out.includes(undefined)) {
    for (const r of conn.all<{ seq: number; hash: string }>(KEPT_ROWS, [from, to])) out[Number(r.seq) - 1 - from] ??= r.hash;
  }
  return out;
}

/** The root of a perfect subtree given its leaf hashes (a power of two of them). */
function foldPerfect(leaves: Hash[]): Hash {
  let level = leaves;
  while (level.length > 1) {
    const up: Hash[] = new Array<Hash>(level.length / 2);
    for (let i = 0; i < up.length; i++) up[i] = nodeHash(level[2 * i]!, level[2 * i + 1]!);
    level = up;
  }
  return level[0]!;
}

const toHash = (v: Uint8Array): Hash => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/**
 * Adds the nodes of up to `maxBlocks` complete 256-leaf blocks not yet in the tree, each with the
 * nodes above it that it completes. Runs inside the caller's transaction (the writer's). Returns how
 * many blocks are built and the log's head, so a caller can tell whether the tree has caught up.
 */
export function extendMerkle(conn: Connection, maxBlocks: number): { blocks: number; head: number } {
  let next = builtBlocks(conn);
  const head = headSeq(conn);
  let done = 0;
  while ((next + 1) * BLOCK <= head && done < maxBlocks) {
    const hashes = recordHashes(conn, next * BLOCK, (next + 1) * BLOCK);
    if (hashes.includes(undefined))
      throw new MerkleUnavailableError(`records of leaves ${next * BLOCK}..${(next + 1) * BLOCK - 1} are missing`);
    let h = foldPerfect(hashes.map((x) => leafHashOfHex(x!)));
    let level = BASE_LEVEL;
    let idx = next;
    conn.run(INSERT_NODE, [level, idx, h]);
    // An odd index closes its parent: carry up while it does.
    while (idx % 2 === 1) {
      const left = conn.get<{ hash: Uint8Array }>(NODE, [level, idx - 1]);
      if (!left) throw new MerkleUnavailableError(`Merkle node ${level}/${idx - 1} is missing`);
      h = nodeHash(toHash(left.hash), h);
      level++;
      idx = (idx - 1) / 2;
      conn.run(INSERT_NODE, [level, idx, h]);
    }
    next++;
    done++;
  }
  return { blocks: next, head };
}

/**
 * `extendMerkle` as a part of a write transaction that must not fail because of it: a problem other
 * than the disk (a bug, a row missing) rolls back only the tree's part and is reported; the tree then
 * lags, and the store's catch-up reports it again rather than the audit log stopping.
 */
export function extendMerkleInWrite(conn: Connection, maxBlocks: number, report: (m: string) => void): void {
  conn.exec('SAVEPOINT merkle');
  try {
    extendMerkle(conn, maxBlocks);
    conn.exec('RELEASE merkle');
  } catch (e) {
    if (isStorageFailure(e)) throw e;
    conn.exec('ROLLBACK TO merkle');
    conn.exec('RELEASE merkle');
    report(`gatehouse: the audit Merkle tree could not be extended: ${(e as Error).message}`);
  }
}

/**
 * The store's tree as a SubtreeSource (one per request: it caches the leaves of the 256-leaf blocks
 * it reads). Nodes of 256 leaves and up come from `merkle_nodes`; smaller subtrees are folded from
 * the records' hashes.
 */
export class StoreSubtrees implements SubtreeSource {
  private readonly blocks = new Map<number, (Hash | undefined)[]>();
  /** Rows read (node lookups and leaf reads), for the bench. */
  reads = 0;

  constructor(private readonly conn: Connection) {}

  subtree(start: number, size: number): Hash {
    if (size >= BLOCK) {
      const level = Math.log2(size);
      this.reads++;
      const row = this.conn.get<{ hash: Uint8Array }>(NODE, [level, start / size]);
      if (!row) throw new MerkleUnavailableError(`the Merkle tree is not built up to leaf ${start + size - 1} yet`);
      return toHash(row.hash);
    }
    const block = Math.floor(start / BLOCK);
    const leaves = this.leaves(block).slice(start - block * BLOCK, start - block * BLOCK + size);
    if (leaves.length !== size || leaves.includes(undefined))
      throw new MerkleUnavailableError(`records of leaves ${start}..${start + size - 1} are not in the log`, {
        first: start,
        last: start + size - 1,
      });
    return foldPerfect(leaves as Hash[]);
  }

  private leaves(block: number): (Hash | undefined)[] {
    let l = this.blocks.get(block);
    if (!l) {
      const hashes = recordHashes(this.conn, block * BLOCK, (block + 1) * BLOCK);
      this.reads += hashes.length;
      l = hashes.map((h) => (h === undefined ? undefined : leafHashOfHex(h)));
      this.blocks.set(block, l);
    }
    return l;
  }
}
