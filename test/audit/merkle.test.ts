import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CompactTree,
  consistencyProof,
  decompose,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  leafHashOfHex,
  MemoryTree,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src-main/audit/merkle.js';

// An independent, literal transcription of RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF) over raw leaf
// data, used as the reference the production code (which works from aligned subtrees) must match.
const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0]!);
  const s = k(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, s)), mth(d.slice(s)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const hex = (b: Buffer): string => b.toString('hex');
const data = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => createHash('sha256').update(`record ${i}`).digest());

describe('Merkle tree (RFC 6962)', () => {
  it('matches the RFC 6962 reference roots of the Certificate Transparency test leaves', () => {
    const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
      Buffer.from(h, 'hex'),
    );
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const tree = new MemoryTree(leaves.map(leafHash));
    roots.forEach((r, i) => expect(hex(tree.root(i + 1))).toBe(r));
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes each input whole, whatever the call before it hashed (one-shot into a reused scratch buffer)', () => {
    const full = data(3);
    const short = Buffer.from('0102', 'hex');
    // A short input right after a full one must not pick up the earlier call's trailing bytes.
    for (const [a, b] of [
      [full[0]!, short],
      [short, full[1]!],
      [full[2]!, full[0]!],
    ] as const) {
      expect(hex(leafHash(a))).toBe(hex(sha(Buffer.from([0]), a)));
      expect(hex(leafHash(b))).toBe(hex(sha(Buffer.from([0]), b)));
      expect(hex(nodeHash(a, b))).toBe(hex(sha(Buffer.from([1]), a, b)));
    }
    expect(hex(leafHashOfHex(hex(full[1]!)))).toBe(hex(sha(Buffer.from([0]), full[1]!)));
    // Not hex, or the wrong length: hashed as Buffer.from(…, 'hex') reads it, never padded from before.
    expect(hex(leafHashOfHex(`${hex(full[2]!).slice(0, 62)}zz`))).toBe(hex(sha(Buffer.from([0]), full[2]!.subarray(0, 31))));
    expect(hex(leafHashOfHex('abcd'))).toBe(hex(sha(Buffer.from([0]), Buffer.from('abcd', 'hex'))));
  });

  it('roots, inclusion and consistency proofs equal the literal RFC recursion for every size up to 70', () => {
    const d = data(70);
    const tree = new MemoryTree(d.map(leafHash));
    for (let n = 1; n <= 70; n++) {
      const root = tree.root(n);
      expect(hex(root)).toBe(hex(mth(d.slice(0, n))));
      for (let m = 0; m < n; m++) {
        const p = inclusionProof(tree, m, n);
        expect(p.map(hex)).toEqual(path(m, d.slice(0, n)).map(hex));
        expect(verifyInclusion(m, n, leafHash(d[m]!), p, root)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const p = consistencyProof(tree, m, n);
        expect(p.map(hex)).toEqual(subproof(m, d.slice(0, n), true).map(hex));
        expect(verifyConsistency(m, n, tree.root(m), root, p)).toBe(true);
      }
    }
  });

  it('rejects a proof for another leaf, a changed leaf, a wrong size or a tampered path', () => {
    const d = data(37);
    const tree = new MemoryTree(d.map(leafHash));
    const root = tree.root();
    const p = inclusionProof(tree, 12, 37);
    expect(verifyInclusion(13, 37, leafHash(d[12]!), p, root)).toBe(false);
    expect(verifyInclusion(12, 37, leafHash(d[13]!), p, root)).toBe(false);
    expect(verifyInclusion(12, 20, leafHash(d[12]!), p, root)).toBe(false); // sizes 33..64 share the shape of 37: size only sets the shape
    const bad = p.map((x, i) => (i === 2 ? nodeHash(x, x) : x));
    expect(verifyInclusion(12, 37, leafHash(d[12]!), bad, root)).toBe(false);
    expect(verifyInclusion(12, 37, leafHash(d[12]!), p.slice(1), root)).toBe(false);

    const c = consistencyProof(tree, 20, 37);
    expect(verifyConsistency(20, 37, tree.root(20), root, c)).toBe(true);
    expect(verifyConsistency(20, 37, tree.root(21), root, c)).toBe(false);
    expect(verifyConsistency(21, 37, tree.root(20), root, c)).toBe(false);
    // A log that rewrote leaf 5 cannot prove consistency with the root it published before.
    const forged = new MemoryTree(d.map((x, i) => leafHash(i === 5 ? Buffer.alloc(32, 7) : x)));
    expect(verifyConsistency(20, 37, tree.root(20), forged.root(), consistencyProof(forged, 20, 37))).toBe(false);
  });

  it('a tree that starts after a prefix (only its subtrees) gives the same roots as the whole tree, at every size from the prefix on', () => {
    const d = data(600).map(leafHash);
    const whole = new MemoryTree(d);
    for (const after of [0, 1, 2, 3, 5, 8, 255, 256, 257, 300, 511, 512, 513]) {
      const tree = new CompactTree({ size: after, subtrees: decompose(0, after).map((s) => whole.subtree(s.start, s.size)) });
      expect(tree.size).toBe(after);
      if (after) expect(hex(tree.root(after))).toBe(hex(whole.root(after)));
      for (let i = after; i < 600; i++) {
        tree.append(d[i]!);
        if (i % 37 === 0 || i === 599 || i - after < 20)
          expect(hex(tree.root(i + 1)), `after ${after}, size ${i + 1}`).toBe(hex(mth(data(i + 1))));
      }
      // Inside the prefix it knows nothing: no root below it, no subtree within it.
      if (after > 1) {
        expect(() => tree.root(after - 1)).toThrow(RangeError);
        expect(() => tree.subtree(0, 1)).toThrow(/inside the prefix/);
      }
    }
    expect(() => new CompactTree({ size: 5, subtrees: [whole.subtree(0, 4)] })).toThrow(/has 2 subtrees/);
  });
});
