import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tightenToOwner } from '../config/paths.js';
import { keyIdOf, publicKeyFromRaw, rawPublicKey } from './checkpoint.js';

/**
 * The Ed25519 key that signs audit checkpoints (SPEC 7.6): `audit-key.json` (mode 0600) in the data
 * dir, made at first start, and `audit-key.pub` beside it for third parties:
 *
 *     # gatehouse audit checkpoint key; C2SP note verifier key:
 *     # gatehouse.local/<install id>+<key id hex>+<base64(0x01 ‖ 32-byte key)>
 *     -----BEGIN PUBLIC KEY-----            (PEM SubjectPublicKeyInfo: `openssl pkey -pubin` reads it)
 *     ...
 *     -----END PUBLIC KEY-----
 */

const KeyFileSchema = z
  .object({
    version: z.literal(1),
    algorithm: z.literal('ed25519'),
    /** PKCS#8 PEM. */
    private_key: z.string(),
    /** base64 of the 32 raw public key bytes. */
    public_key: z.string(),
    created_at: z.string(),
  })
  .strict();

export interface AuditKey {
  privateKey: KeyObject;
  /** The 32 raw public key bytes. */
  publicRaw: Buffer;
  /** True when this call made the key (first start, or the file was gone). */
  created: boolean;
}

export const auditKeyFiles = (dataDir: string) => ({ key: join(dataDir, 'audit-key.json'), pub: join(dataDir, 'audit-key.pub') });

function writePrivate(path: string, text: string): void {
  const part = `${path}.part`;
  writeFileSync(part, text, { mode: 0o600 });
  chmodSync(part, 0o600);
  renameSync(part, path);
}

/** Loads the key, or makes it (0600) when there is none. A file that is not a key is an error, never overwritten. */
export function loadOrCreateAuditKey(dataDir: string, now = Date.now()): AuditKey {
  const { key: file } = auditKeyFiles(dataDir);
  if (existsSync(file)) {
    let parsed: z.infer<typeof KeyFileSchema>;
    try {
      parsed = KeyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      throw new Error(`${file} is not a Gatehouse audit key (${(e as Error).message}); move it away to make a new one`, { cause: e });
    }
    const privateKey = createPrivateKey(parsed.private_key);
    const publicRaw = rawPublicKey(createPublicKey(privateKey));
    if (publicRaw.toString('base64') !== parsed.public_key) throw new Error(`${file}: the public key does not belong to the private key`);
    tightenToOwner(file);
    return { privateKey, publicRaw, created: false };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicRaw = rawPublicKey(publicKey);
  const body = {
    version: 1,
    algorithm: 'ed25519',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    public_key: publicRaw.toString('base64'),
    created_at: new Date(now).toISOString(),
  };
  writePrivate(file, `${JSON.stringify(body, null, 2)}\n`);
  return { privateKey, publicRaw, created: true };
}

/** The C2SP signed-note verifier key: `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ key)>`. */
export function verifierKey(origin: string, publicRaw: Buffer): string {
  return `${origin}+${keyIdOf(origin, publicRaw).toString('hex')}+${Buffer.concat([Buffer.from([1]), publicRaw]).toString('base64')}`;
}

/** The text of `audit-key.pub`: comment lines (the C2SP verifier key among them), then the PEM SPKI key. */
export function publicKeyFileText(origin: string, publicRaw: Buffer): string {
  const pem = publicKeyFromRaw(publicRaw).export({ type: 'spki', format: 'pem' }).toString();
  return [
    '# Gatehouse audit checkpoint key (Ed25519). Verify a checkpoint with `gatehouse audit verify --checkpoint`,',
    '# openssl (see README), or any C2SP signed-note verifier with this verifier key:',
    `# ${verifierKey(origin, publicRaw)}`,
    pem.trimEnd(),
    '',
  ].join('\n');
}

/** Writes `audit-key.pub` (0644: it is public) when it is missing or says something else. */
export function writePublicKeyFile(dataDir: string, origin: string, publicRaw: Buffer): void {
  const { pub } = auditKeyFiles(dataDir);
  const text = publicKeyFileText(origin, publicRaw);
  if (existsSync(pub) && readFileSync(pub, 'utf8') === text) return;
  writeFileSync(`${pub}.part`, text, { mode: 0o644 });
  renameSync(`${pub}.part`, pub);
}

/**
 * Reads a public key as a third party may hold it: the `audit-key.pub` file (PEM SPKI, comments
 * ignored), a C2SP verifier key (`name+hex+base64`), or the base64 of the 32 raw bytes.
 */
export function parsePublicKey(text: string): Buffer {
  const t = text.trim();
  const pem = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/.exec(t);
  if (pem) {
    const key = createPublicKey(pem[0]);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${key.asymmetricKeyType})`);
    return rawPublicKey(key);
  }
  const vkey = /^(?:#\s*)?[^\s+]+\+[0-9a-f]{8}\+([A-Za-z0-9+/=]+)$/m.exec(t);
  if (vkey) {
    const raw = Buffer.from(vkey[1]!, 'base64');
    if (raw.length !== 33 || raw[0] !== 1) throw new Error('the verifier key is not an Ed25519 key');
    return raw.subarray(1);
  }
  const raw = Buffer.from(t, 'base64');
  if (raw.length === 32 && raw.toString('base64') === t) return raw;
  throw new Error('not a public key: expected audit-key.pub (PEM), a C2SP verifier key, or 32 bytes of base64');
}
