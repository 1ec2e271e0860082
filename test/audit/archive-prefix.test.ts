import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildPrefix, checkPrefix } from '../../src-main/audit/archive-prefix.js';
import { leafHashOfHex, MemoryTree } from '../../src-main/audit/merkle.js';
import { ArchivePrefixSchema, ZERO_HASH } from '../../src-shared/index.js';
import { refRoot } from './reference.js';

const recordHash = (i: number): string => createHash('sha256').update(`record ${i}`).digest('hex');
const hashes = Array.from({ length: 700 }, (_, i) => recordHash(i));
const tree = new MemoryTree(hashes.map(leafHashOfHex));

describe('the prefix file of an archive (SPEC 7.7)', () => {
  it('sums up the records before an archive: its subtrees fold to their root, and its prev_hash is the last of them', () => {
    for (const size of [1, 2, 7, 256, 300, 699]) {
      const p = ArchivePrefixSchema.parse(buildPrefix(tree, size, hashes[size - 1]!));
      expect(p.subtrees.map((s) => s.size).reduce((a, b) => a + b, 0)).toBe(size);
      const checked = checkPrefix(p);
      expect(checked).toMatchObject({ size, prevHash: hashes[size - 1] });
      // Folded from the right, the subtrees are the root of those records, by an independent implementation.
      let acc = checked.subtrees[checked.subtrees.length - 1]!;
      for (let i = checked.subtrees.length - 2; i >= 0; i--)
        acc = createHash('sha256')
          .update(Buffer.concat([Buffer.from([1]), checked.subtrees[i]!, acc]))
          .digest();
      expect(acc.toString('hex')).toBe(refRoot(hashes.slice(0, size).map(leafHashOfHex)).toString('hex'));
    }
    expect(checkPrefix(buildPrefix(tree, 0, ZERO_HASH))).toEqual({ size: 0, prevHash: ZERO_HASH, subtrees: [] });
  });

  it('refuses a prefix whose parts disagree: another prev_hash, a changed subtree, subtrees of another size', () => {
    const good = buildPrefix(tree, 300, hashes[299]!);
    expect(() => checkPrefix({ ...good, prev_hash: hashes[298]! })).toThrow(/inclusion proof fails/);
    const changed = structuredClone(good);
    changed.subtrees[0]!.hash = recordHash(9999);
    expect(() => checkPrefix(changed)).toThrow(/inclusion proof fails/);
    expect(() => checkPrefix({ ...good, size: 301 })).toThrow(/not those of the first 301 records/);
    expect(() => checkPrefix({ ...good, subtrees: good.subtrees.slice(1) })).toThrow(/not those of the first 300/);
    expect(() => checkPrefix({ ...buildPrefix(tree, 0, ZERO_HASH), prev_hash: hashes[0]! })).toThrow(/64 zeros/);
  });
});
