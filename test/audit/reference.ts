import { createHash } from 'node:crypto';

/**
 * An independent RFC 6962 / 9162 implementation for tests, written apart from src-main/audit/merkle.ts
 * and in another style: roots by the literal recursion over leaf hashes, and proof verification by
 * the transparency-dev decomposition (an inclusion proof is an "inner" part of bit-length
 * len(index XOR (size-1)) and a "border" part of popcount(index >> inner)), not RFC 9162's loop.
 */
const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
export const refLeaf = (recordHashHex: string): Buffer => sha(Buffer.from([0]), Buffer.from(recordHashHex, 'hex'));
const node = (l: Buffer, r: Buffer): Buffer => sha(Buffer.from([1]), l, r);

/** MTH(D[n]) over leaf hashes. */
export function refRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}

const bitLen = (x: bigint): number => x.toString(2).replace(/^0+/, '').length;
const popcount = (x: bigint): number => [...x.toString(2)].filter((c) => c === '1').length;

/** The root an inclusion proof leads to (transparency-dev's RootFromInclusionProof). */
export function refRootFromInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[]): Buffer {
  if (index >= size) throw new Error('index beyond size');
  const i = BigInt(index);
  const inner = bitLen(i ^ BigInt(size - 1));
  const border = popcount(i >> BigInt(inner));
  if (proof.length !== inner + border) throw new Error(`wrong proof size ${proof.length}, want ${inner + border}`);
  let h = leaf;
  for (let b = 0; b < inner; b++) h = (i >> BigInt(b)) & 1n ? node(proof[b]!, h) : node(h, proof[b]!);
  for (let b = inner; b < proof.length; b++) h = node(proof[b]!, h);
  return h;
}
