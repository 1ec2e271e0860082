import { afterEach, describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, treeRoot, verifyConsistency } from '../../src-main/audit/merkle.js';
import { Connection } from '../../src-main/storage/sqlite.js';
import { openStore, type SqliteStore } from '../../src-main/storage/store.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { refLeaf, refRoot, refRootFromInclusion } from './reference.js';

afterEach(cleanupDirs);

async function fill(store: SqliteStore, n: number, batch = 97): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < n; i += batch) {
    const drafts = Array.from({ length: Math.min(batch, n - i) }, (_, j) => ({
      type: 'settings.changed' as const,
      actor: 'user',
      data: { n: i + j },
    }));
    for (const r of await store.commit([], drafts)) hashes.push(r.hash);
  }
  return hashes;
}

describe('the store keeps the audit log as a Merkle tree (SPEC 7.6)', () => {
  it('roots and proofs at every size agree with an independent RFC 6962 implementation', async () => {
    const store = await openStore({ dataDir: tempDir(), log: () => undefined });
    const hashes = await fill(store, 1300);
    const leaves = hashes.map(refLeaf);
    const nodes = store.get<{ n: number }>('SELECT COUNT(*) AS n FROM merkle_nodes')!.n;
    expect(nodes).toBe(5 + 2 + 1); // five 256-leaf blocks, two of 512, one of 1024
    expect(store.merkleReady).toBe(true);
    for (const n of [1, 2, 3, 255, 256, 257, 511, 512, 513, 1024, 1025, 1299, 1300]) {
      const root = treeRoot(store.merkle(), n);
      expect(root.toString('hex')).toBe(refRoot(leaves.slice(0, n)).toString('hex'));
      for (const m of [0, n - 1, Math.floor(n / 2), Math.min(n - 1, 300)]) {
        const proof = inclusionProof(store.merkle(), m, n);
        expect(refRootFromInclusion(m, n, leaves[m]!, proof).equals(root)).toBe(true);
      }
    }
    for (const [a, b] of [
      [1, 1300],
      [256, 1300],
      [300, 1024],
      [1000, 1299],
    ] as const) {
      const proof = consistencyProof(store.merkle(), a, b);
      expect(verifyConsistency(a, b, refRoot(leaves.slice(0, a)), refRoot(leaves.slice(0, b)), proof)).toBe(true);
    }
    // A proof is O(log n) node lookups and at most a block or two of leaf reads.
    const src = store.merkle();
    inclusionProof(src, 700, 1300);
    expect(src.reads).toBeLessThanOrEqual(2 * 256 + 12);
    await store.close();
  });

  it('a log without the tree (a 0.1 upgrade, an older 0.2) gets it built after start, in slices', async () => {
    const dataDir = tempDir();
    let store = await openStore({ dataDir, log: () => undefined });
    const hashes = await fill(store, 20_000, 500);
    await store.close();
    const raw = new Connection(`${dataDir}/gatehouse.sqlite`);
    raw.exec('DELETE FROM merkle_nodes');
    raw.close();
    store = await openStore({ dataDir, log: () => undefined });
    expect(store.merkleReady).toBe(false);
    await store.catchUpMerkle();
    expect(store.merkleReady).toBe(true);
    expect(treeRoot(store.merkle(), 20_000).equals(refRoot(hashes.map(refLeaf)))).toBe(true);
    await store.close();
  });
});
