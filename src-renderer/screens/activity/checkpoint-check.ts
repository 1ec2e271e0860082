import { api } from '../../api/client.js';
import { checkProof, parseNote, verifyNoteSignature } from '../../lib/proof-verify.js';

/**
 * The checkpoint half of "chain and checkpoint verification" (SPEC 10, 7.6), done here in the
 * browser: the latest signed checkpoint's Ed25519 signature, and that the last record it covers
 * (#size, whose hash the chain check just vouched for) is a leaf of the signed root. That hash is
 * read from the `checkpoint.signed` record appended after signing: its `prev_hash` when it follows
 * the checkpoint's last record directly (the usual case).
 */
export type CheckpointCheck =
  | { state: 'none' }
  | {
      state: 'checked';
      size: number;
      origin: string;
      keyId: string;
      signature: 'ok' | 'bad' | 'unsupported';
      /** null: the hash of record #size was not at hand (another record came between), so not checked here. */
      included: boolean | null;
    };

export async function checkLatestCheckpoint(): Promise<CheckpointCheck> {
  const [text, key] = await Promise.all([api.auditCheckpoint(), api.auditPublicKey()]);
  const note = text ? parseNote(text) : null;
  if (!text || !note) return { state: 'none' };
  const base = { state: 'checked' as const, size: note.size, origin: note.origin, keyId: key.key_id };
  const signature = await verifyNoteSignature(note, key.public_key);
  const recorded = (await api.audit({ type: 'checkpoint.signed', limit: 1 })).items[0];
  if (!recorded || recorded.seq !== note.size + 1) return { ...base, signature, included: null };
  const proof = await api.auditProof(note.size, note.size);
  const check = await checkProof(recorded.prev_hash, proof, text, key.public_key);
  return { ...base, signature, included: check.leaf && check.root };
}
