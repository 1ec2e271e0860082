import { afterEach, describe, expect, it } from 'vitest';
import { checkProof, leafHashOf, parseNote, rootFromInclusion } from '../../src-renderer/lib/proof-verify.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// The console's in-browser check (WebCrypto only), run here on Node's WebCrypto against real proofs.
let core: TestCore | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

describe("the Activity drawer's proof check (src-renderer/lib/proof-verify.ts)", () => {
  it('accepts a real proof and the signed checkpoint; rejects another record, a changed path, a forged note', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    await core.g.store.commit(
      [],
      Array.from({ length: 300 }, (_, i) => ({ type: 'settings.changed' as const, actor: 'user', data: { i } })),
    );
    const cp = (await core.g.checkpoints.sign())!;
    const key = core.g.checkpoints.publicKey().public_key;
    const rec = (seq: number) => core!.g.store.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [seq])!.hash;
    for (const seq of [1, 150, 257, cp.size]) {
      const p = core.g.checkpoints.proof(seq);
      expect(await leafHashOf(rec(seq))).toBe(p.leaf_hash);
      expect(await checkProof(rec(seq), p, cp.text, key)).toEqual({ leaf: true, root: true, signature: 'ok' });
    }
    const p = core.g.checkpoints.proof(42);
    expect((await checkProof(rec(43), p, cp.text, key)).leaf).toBe(false);
    const bent = { ...p, proof: [...p.proof.slice(0, -1), '00'.repeat(32)] };
    expect((await checkProof(rec(42), bent, cp.text, key)).root).toBe(false);
    expect(await rootFromInclusion(41, p.size, p.leaf_hash, p.proof.slice(1))).not.toBe(parseNote(cp.text)!.rootHex);
    // A note with another root (the signature line kept) fails on both counts.
    const lines = cp.text.split('\n');
    lines[2] = Buffer.alloc(32, 1).toString('base64');
    expect(await checkProof(rec(42), p, lines.join('\n'), key)).toEqual({ leaf: true, root: false, signature: 'bad' });
  });
});
