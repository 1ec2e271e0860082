import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Signed checkpoints (SPEC 7.6) in the C2SP `tlog-checkpoint` signed-note form:
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n\n— <origin> <base64(4-byte key id ‖ 64-byte Ed25519 signature)>\n
 *
 * The signature covers the note text (the first three lines, each ending in a newline). The key id
 * is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ the 32 raw public key bytes), 0x01 being
 * the signed-note signature type of Ed25519; the key name is the origin.
 */

export interface Checkpoint {
  origin: string;
  size: number;
  /** The 32-byte Merkle root. */
  root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole note, signature line included. */
  text: string;
  keyId: Buffer;
  signature: Buffer;
}

const EM_DASH = '\u2014';
const ED25519_TYPE = 0x01;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const noteBody = (c: Checkpoint): string => `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;

export function keyIdOf(name: string, publicKeyRaw: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519_TYPE]))
    .update(publicKeyRaw)
    .digest()
    .subarray(0, 4);
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** An Ed25519 public key object from its 32 raw bytes. */
export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Signs a note body (text ending in a newline) as `name`: the body, a blank line, one signature line. */
export function signNote(body: string, name: string, privateKey: KeyObject, publicKeyRaw: Buffer): string {
  if (!name || /[\s+]/.test(name)) throw new TypeError(`bad key name '${name}': no spaces or '+'`);
  if (!body.endsWith('\n')) throw new TypeError('a note body ends with a newline');
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  return `${body}\n${EM_DASH} ${name} ${Buffer.concat([keyIdOf(name, publicKeyRaw), signature]).toString('base64')}\n`;
}

/** Signs a checkpoint with the log's Ed25519 private key; the key name is the origin. */
export function signCheckpoint(c: Checkpoint, privateKey: KeyObject, publicKeyRaw: Buffer): SignedCheckpoint {
  const text = signNote(noteBody(c), c.origin, privateKey, publicKeyRaw);
  return parseCheckpoint(text);
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** Splits a signed note into its body and signature lines; throws CheckpointError on a malformed note. */
export function parseNote(text: string): { body: string; signatures: NoteSignature[] } {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new CheckpointError('not a signed note: no blank line before the signatures');
  const signatures: NoteSignature[] = [];
  for (const line of text.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new CheckpointError(`bad signature line '${line.slice(0, 80)}'`);
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 5) throw new CheckpointError('signature too short');
    signatures.push({ name: m[1]!, keyId: blob.subarray(0, 4), signature: blob.subarray(4) });
  }
  if (!signatures.length) throw new CheckpointError('the note carries no signature');
  return { body: text.slice(0, split + 1), signatures };
}

/** The body of a note signed by `name` with this Ed25519 key; throws CheckpointError otherwise. */
export function verifyNote(text: string, name: string, publicKeyRaw: Buffer): string {
  const { body, signatures } = parseNote(text);
  const keyId = keyIdOf(name, publicKeyRaw);
  const key = publicKeyFromRaw(publicKeyRaw);
  const mine = signatures.filter((s) => s.name === name && s.keyId.equals(keyId));
  if (!mine.length) throw new CheckpointError('no signature by this public key (key name or key id differs)');
  const ok = mine.some((s) => s.signature.length === 64 && verify(null, Buffer.from(body, 'utf8'), key, s.signature));
  if (!ok) throw new CheckpointError('the signature does not verify: the note was altered or signed by another key');
  return body;
}

/** Parses a signed checkpoint (does not check the signature). */
export function parseCheckpoint(text: string): SignedCheckpoint {
  const { body, signatures } = parseNote(text);
  const lines = body.split('\n');
  lines.pop();
  if (lines.length < 3) throw new CheckpointError('a checkpoint needs an origin, a tree size and a root hash');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new CheckpointError(`bad tree size '${sizeText}'`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointError('tree size out of range');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new CheckpointError('the root hash is not 32 bytes of base64');
  const first = signatures.find((s) => s.name === origin) ?? signatures[0]!;
  return { origin, size, root, text, keyId: first.keyId, signature: first.signature };
}

/** Verifies a signed checkpoint against the log's public key (the key name is the origin). */
export function verifyCheckpoint(text: string, publicKeyRaw: Buffer, expectedOrigin?: string): Checkpoint {
  const c = parseCheckpoint(text);
  if (expectedOrigin !== undefined && c.origin !== expectedOrigin) {
    throw new CheckpointError(`the checkpoint is for '${c.origin}', not '${expectedOrigin}'`);
  }
  verifyNote(text, c.origin, publicKeyRaw);
  return { origin: c.origin, size: c.size, root: c.root };
}
