import { hash as oneShotHash } from 'node:crypto';

/**
 * The audit log as an RFC 6962 / RFC 9162 Merkle tree (SPEC 7.6): leaf = SHA-256(0x00 ‖ the
 * record's 32 raw `hash` bytes), node = SHA-256(0x01 ‖ left ‖ right), and the tree over n leaves
 * splits at the largest power of two below n.
 *
 * Everything here is computed from *aligned perfect subtrees* (2^k leaves starting at a multiple of
 * 2^k), which a `SubtreeSource` supplies: the storage keeps some of them and computes the rest from
 * leaves, tests keep them all in memory. Any range that the RFC's recursion visits decomposes into
 * such subtrees, so roots, inclusion proofs and consistency proofs cost O(log n) subtree lookups.
 */

export type Hash = Buffer;

/** Hashes of aligned perfect subtrees: `subtree(start, size)` with size a power of two and start % size === 0. */
export interface SubtreeSource {
  subtree(start: number, size: number): Hash;
}

/*
 * One-shot hashing into a scratch buffer: `createHash` makes a native Hash object per call, each with
 * a weak handle that V8 must visit in its next young-generation collection. Proofs and tree builds
 * hash hundreds of thousands of nodes, and those handles alone held the main thread for 50–100 ms
 * in one collection (bench/proofs.ts, sink phase after the proofs). `hash()` allocates no such object.
 */
const leafInput = Buffer.alloc(33, 0);
const nodeInput = Buffer.alloc(65, 1);
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);
/** Input that is not a 32-byte hash (a damaged record, a hand-edited file) is hashed as it is, not padded. */
const sha256Of = (parts: Buffer[]): Hash => oneShotHash('sha256', Buffer.concat(parts), 'buffer');

export const leafHash = (recordHash: Hash): Hash => {
  if (recordHash.length !== 32) return sha256Of([LEAF, recordHash]);
  recordHash.copy(leafInput, 1);
  return oneShotHash('sha256', leafInput, 'buffer');
};
export const leafHashOfHex = (recordHashHex: string): Hash => {
  if (recordHashHex.length !== 64 || leafInput.write(recordHashHex, 1, 32, 'hex') !== 32)
    return leafHash(Buffer.from(recordHashHex, 'hex'));
  return oneShotHash('sha256', leafInput, 'buffer');
};
export const nodeHash = (left: Hash, right: Hash): Hash => {
  if (left.length !== 32 || right.length !== 32) return sha256Of([NODE, left, right]);
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return oneShotHash('sha256', nodeInput, 'buffer');
};
/** The root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = oneShotHash('sha256', Buffer.alloc(0), 'buffer');

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two that is ≤ n (n ≥ 1). */
function floorPow2(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

function assertRange(start: number, size: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size < 1) {
    throw new RangeError(`bad Merkle range ${start}+${size}`);
  }
}

/**
 * MTH of the leaves [start, start + size). `start` must be a multiple of the largest power of two
 * ≤ size (true of every range RFC 6962's recursion visits), so the range is a run of aligned
 * perfect subtrees of decreasing size, folded from the right.
 */
export function rangeRoot(src: SubtreeSource, start: number, size: number): Hash {
  assertRange(start, size);
  return foldRight(decompose(start, size).map((p) => src.subtree(p.start, p.size)));
}

/** An aligned perfect subtree: 2^k leaves from a multiple of 2^k. */
export interface SubtreeSpan {
  start: number;
  size: number;
}

/** [start, start + size) as aligned perfect subtrees of decreasing size (start as in rangeRoot). */
export function decompose(start: number, size: number): SubtreeSpan[] {
  const parts: SubtreeSpan[] = [];
  let at = start;
  let left = size;
  while (left > 0) {
    const k = floorPow2(left);
    parts.push({ start: at, size: k });
    at += k;
    left -= k;
  }
  return parts;
}

/** The hash over adjacent subtrees of decreasing size, folded from the right (a compact range's root). */
export function foldRight(parts: readonly Hash[]): Hash {
  if (!parts.length) return EMPTY_ROOT;
  let acc = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) acc = nodeHash(parts[i]!, acc);
  return acc;
}

/** The root of the tree of the first n leaves. */
export const treeRoot = (src: SubtreeSource, n: number): Hash => (n === 0 ? EMPTY_ROOT : rangeRoot(src, 0, n));

/** RFC 6962 PATH(m, D[n]): the audit path of leaf m (0-based) in the tree of size n, leaf-side first. */
export function inclusionProof(src: SubtreeSource, m: number, n: number): Hash[] {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of size ${n}`);
  const path: Hash[] = [];
  let start = 0;
  let size = n;
  let index = m;
  const stack: Hash[] = [];
  while (size > 1) {
    const k = splitPoint(size);
    if (index < k) {
      stack.push(rangeRoot(src, start + k, size - k));
      size = k;
    } else {
      stack.push(src.subtree(start, k));
      start += k;
      index -= k;
      size -= k;
    }
  }
  while (stack.length) path.push(stack.pop()!);
  return path;
}

/** RFC 6962 PROOF(m, D[n]): the consistency proof between the trees of sizes m and n (0 < m ≤ n). */
export function consistencyProof(src: SubtreeSource, m: number, n: number): Hash[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const out: Hash[] = [];
  // SUBPROOF(m, D[start:start+size], whole), unrolled; nodes are emitted root-side last, so collect and reverse.
  let start = 0;
  let size = n;
  let mm = m;
  let whole = true;
  const stack: Hash[] = [];
  for (;;) {
    if (mm === size) {
      if (!whole) stack.push(rangeRoot(src, start, size));
      break;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      stack.push(rangeRoot(src, start + k, size - k));
      size = k;
    } else {
      stack.push(src.subtree(start, k));
      start += k;
      mm -= k;
      size -= k;
      whole = false;
    }
  }
  while (stack.length) out.push(stack.pop()!);
  return out;
}

/** RFC 9162 §2.1.3.2: does `proof` show the leaf at `index` is in the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (index >= size || index < 0) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (size1, root1) is a prefix of (size2, root2)? */
export function verifyConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): boolean {
  if (size1 < 1 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  let path = [...proof];
  if (isPow2(size1)) path = [root1, ...path];
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * A SubtreeSource over leaf hashes held in memory (offline verification of an export, tests):
 * subtrees of 2^k leaves are computed once and memoised by level, so building every root and proof
 * of an n-leaf export costs O(n) hashing in all.
 */
export class MemoryTree implements SubtreeSource {
  private readonly levels: Hash[][] = [];

  constructor(leaves: Hash[] = []) {
    this.levels[0] = [];
    for (const l of leaves) this.append(l);
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends a leaf hash and completes every perfect subtree it closes. */
  append(leaf: Hash): void {
    this.levels[0]!.push(leaf);
    let level = 0;
    let index = this.levels[0]!.length - 1;
    while (index % 2 === 1) {
      const row = this.levels[level]!;
      const parent = nodeHash(row[index - 1]!, row[index]!);
      level++;
      (this.levels[level] ??= []).push(parent);
      index = this.levels[level]!.length - 1;
    }
  }

  subtree(start: number, size: number): Hash {
    if (!isPow2(size) || start % size !== 0 || start + size > this.size)
      throw new RangeError(`no subtree ${start}+${size} in ${this.size}`);
    const level = Math.log2(size);
    return this.levels[level]![start / size]!;
  }

  root(n = this.size): Hash {
    return treeRoot(this, n);
  }
}

/**
 * MemoryTree's compact form for big exports (offline verification of millions of records): each
 * level is one growable byte array (32 bytes a node) instead of an array of Buffers, ~64 bytes of
 * memory per leaf in all.
 *
 * It can also start after a prefix it does not hold (an archive after the first, SPEC 7.7): given
 * the aligned perfect subtrees of the first `after` leaves (`decompose(0, after)`, the prefix's
 * "frontier"), it appends leaves from index `after` on. Those subtrees are exactly the left
 * siblings that appending needs, so every subtree ending after the prefix, and every root of a size
 * ≥ `after`, can be computed; subtrees inside the prefix cannot (RangeError).
 */
export class CompactTree implements SubtreeSource {
  private levels: Buffer[] = [];
  private counts: number[] = [];
  /** The index of the first node each level holds. */
  private bases: number[] = [];
  readonly after: number;

  constructor(prefix?: { size: number; subtrees: readonly Hash[] }) {
    this.after = prefix?.size ?? 0;
    const spans = decompose(0, this.after);
    if ((prefix?.subtrees.length ?? 0) !== spans.length)
      throw new RangeError(`a prefix of ${this.after} leaves has ${spans.length} subtrees, not ${prefix?.subtrees.length}`);
    // Level k starts at the node that holds leaf `after` (or at the prefix subtree of 2^k leaves).
    for (let level = 0; 2 ** level <= Math.max(1, this.after); level++) this.bases[level] = Math.floor(this.after / 2 ** level);
    spans.forEach((span, i) => {
      const level = Math.log2(span.size);
      this.bases[level] = span.start / span.size;
      this.push(level, prefix!.subtrees[i]!);
    });
  }

  get size(): number {
    return this.levels[0] ? this.bases[0]! + this.counts[0]! : this.after;
  }

  append(leaf: Hash): void {
    let level = 0;
    let h = leaf;
    for (;;) {
      const index = this.push(level, h);
      if (index % 2 === 0) return;
      h = nodeHash(this.node(level, index - 1), h);
      level++;
    }
  }

  subtree(start: number, size: number): Hash {
    if (!isPow2(size) || start % size !== 0 || start + size > this.size)
      throw new RangeError(`no subtree ${start}+${size} in ${this.size}`);
    const level = Math.log2(size);
    const index = start / size;
    if (index < (this.bases[level] ?? 0))
      throw new RangeError(`the subtree ${start}+${size} lies inside the prefix this tree starts after`);
    return this.node(level, index);
  }

  root(n = this.size): Hash {
    if (n < this.after) throw new RangeError(`no root of ${n} leaves: this tree starts after ${this.after}`);
    return treeRoot(this, n);
  }

  private node(level: number, index: number): Hash {
    const at = (index - this.bases[level]!) * 32;
    return Buffer.from(this.levels[level]!.subarray(at, at + 32));
  }

  /** Adds the next node of a level; returns its index. */
  private push(level: number, h: Hash): number {
    if (!this.levels[level]) {
      this.levels[level] = Buffer.alloc(32 * 1024);
      this.counts[level] = 0;
      this.bases[level] ??= Math.floor(this.after / 2 ** level);
    }
    let buf = this.levels[level]!;
    const slot = this.counts[level]!;
    if ((slot + 1) * 32 > buf.length) {
      const bigger = Buffer.alloc(buf.length * 2);
      buf.copy(bigger);
      this.levels[level] = buf = bigger;
    }
    h.copy(buf, slot * 32);
    this.counts[level] = slot + 1;
    return this.bases[level]! + slot;
  }
}
