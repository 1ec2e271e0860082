import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  keyIdOf,
  parseCheckpoint,
  rawPublicKey,
  signCheckpoint,
  signNote,
  verifyCheckpoint,
  verifyNote,
} from '../../src-main/audit/checkpoint.js';

// The signed-note example of the Go reference implementation (golang.org/x/mod/sumdb/note): a
// verifier key `name+keyid+base64(0x01 ‖ public key)`, a signer key `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)`.
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIGNED = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const goPublic = Buffer.from(VKEY.split('+')[2]!, 'base64').subarray(1);
const goSeed = Buffer.from(SKEY.split('+').slice(4).join('+'), 'base64').subarray(1); // the key's base64 holds a '+'
const goPrivate = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), goSeed]),
  format: 'der',
  type: 'pkcs8',
});

describe('signed notes (C2SP signed-note)', () => {
  it('derives the Go reference key id and signs its example note byte for byte', () => {
    expect(keyIdOf('PeterNeumann', goPublic).toString('hex')).toBe('c74f20a3');
    expect(signNote(TEXT, 'PeterNeumann', goPrivate, goPublic)).toBe(SIGNED);
    expect(verifyNote(SIGNED, 'PeterNeumann', goPublic)).toBe(TEXT);
  });

  it('refuses an altered body, another key name or another key', () => {
    expect(() => verifyNote(SIGNED.replace('cryptography', 'cryptoqraphy'), 'PeterNeumann', goPublic)).toThrow(CheckpointError);
    expect(() => verifyNote(SIGNED, 'PeterNeuman', goPublic)).toThrow(/key name or key id/);
    const other = rawPublicKey(generateKeyPairSync('ed25519').publicKey);
    expect(() => verifyNote(SIGNED, 'PeterNeumann', other)).toThrow(CheckpointError);
  });
});

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = rawPublicKey(publicKey);
  const origin = 'gatehouse.local/9f1c2a';
  const root = Buffer.alloc(32, 0xab);

  it('has the origin, size, base64 root, a blank line and one signature line by the origin', () => {
    const cp = signCheckpoint({ origin, size: 1234, root }, privateKey, pub);
    const lines = cp.text.split('\n');
    expect(lines.slice(0, 4)).toEqual([origin, '1234', root.toString('base64'), '']);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${origin} [A-Za-z0-9+/]{91}=$`));
    expect(Buffer.from(lines[4]!.split(' ')[2]!, 'base64').subarray(0, 4)).toEqual(keyIdOf(origin, pub));
    expect(verifyCheckpoint(cp.text, pub, origin)).toEqual({ origin, size: 1234, root });
  });

  it('rejects a checkpoint whose size, root or signature was changed, or that names another origin', () => {
    const { text } = signCheckpoint({ origin, size: 1234, root }, privateKey, pub);
    expect(() => verifyCheckpoint(text.replace('\n1234\n', '\n1235\n'), pub)).toThrow(/does not verify/);
    const otherRoot = Buffer.alloc(32, 0xac).toString('base64');
    expect(() => verifyCheckpoint(text.replace(root.toString('base64'), otherRoot), pub)).toThrow(/does not verify/);
    const sigLine = text.trimEnd().split('\n').pop()!;
    const blob = Buffer.from(sigLine.split(' ')[2]!, 'base64');
    blob[10]! ^= 1;
    expect(() => verifyCheckpoint(text.replace(sigLine.split(' ')[2]!, blob.toString('base64')), pub)).toThrow(/does not verify/);
    expect(() => verifyCheckpoint(text, pub, 'gatehouse.local/other')).toThrow(/not 'gatehouse.local\/other'/);
    expect(() => parseCheckpoint(`${origin}\n12x\n${root.toString('base64')}\n\n— ${origin} AAAAAAAA\n`)).toThrow(/bad tree size/);
  });
});
