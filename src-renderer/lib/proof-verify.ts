/**
 * Checks an audit record's inclusion proof in the browser, with WebCrypto only (SPEC 7.6): the
 * leaf is SHA-256(0x00 ‖ the record's 32 raw hash bytes), the path is folded by RFC 9162 §2.1.3.2
 * into a root, and that root must be the one in the checkpoint note, whose Ed25519 signature is
 * checked too where the browser supports Ed25519 (most do; otherwise that part says so).
 */

const bytes = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromB64 = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}
const node = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);

export const leafHashOf = async (recordHashHex: string): Promise<string> => toHex(await sha256(Uint8Array.of(0), bytes(recordHashHex)));

/** The root an inclusion path leads to, or null when the path has the wrong shape for (index, size). */
export async function rootFromInclusion(index: number, size: number, leafHex: string, proofHex: readonly string[]): Promise<string | null> {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = bytes(leafHex);
  for (const p of proofHex) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(bytes(p), r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else {
      r = await node(r, bytes(p));
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 ? toHex(r) : null;
}

export interface NoteParts {
  origin: string;
  size: number;
  rootHex: string;
  body: string;
  signature: Uint8Array<ArrayBuffer> | null;
}

/** The parts of a checkpoint note (no signature check). */
export function parseNote(text: string): NoteParts | null {
  const split = text.indexOf('\n\n');
  if (split < 0) return null;
  const [origin, size, root] = text.slice(0, split).split('\n');
  if (!origin || !size || !root || !/^\d+$/.test(size)) return null;
  const line = text
    .slice(split + 2)
    .split('\n')
    .find((l) => l.startsWith(`\u2014 ${origin} `));
  const blob = line ? fromB64(line.split(' ')[2] ?? '') : null;
  return {
    origin,
    size: Number(size),
    rootHex: toHex(fromB64(root)),
    body: text.slice(0, split + 1),
    signature: blob && blob.length === 68 ? blob.slice(4) : null,
  };
}

/** 'ok' | 'bad' | 'unsupported' (no Ed25519 in this browser's WebCrypto). */
export async function verifyNoteSignature(note: NoteParts, publicKeyB64: string): Promise<'ok' | 'bad' | 'unsupported'> {
  if (!note.signature) return 'bad';
  let key: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  try {
    key = await crypto.subtle.importKey('raw', fromB64(publicKeyB64), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return 'unsupported';
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, note.signature, new TextEncoder().encode(note.body));
  return ok ? 'ok' : 'bad';
}

export interface ProofCheck {
  leaf: boolean;
  root: boolean;
  signature: 'ok' | 'bad' | 'unsupported';
}

/** The whole check of one record: its leaf, the path to the checkpoint's root, the checkpoint's signature. */
export async function checkProof(
  recordHashHex: string,
  proof: { seq: number; size: number; leaf_hash: string; proof: string[] },
  checkpointText: string,
  publicKeyB64: string,
): Promise<ProofCheck> {
  const note = parseNote(checkpointText);
  const leaf = (await leafHashOf(recordHashHex)) === proof.leaf_hash;
  const root =
    note !== null &&
    note.size === proof.size &&
    (await rootFromInclusion(proof.seq - 1, proof.size, proof.leaf_hash, proof.proof)) === note.rootHex;
  return { leaf, root: leaf && root, signature: note ? await verifyNoteSignature(note, publicKeyB64) : 'bad' };
}
