import { useState } from 'react';
import type { AuditProof, AuditRecord } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { num } from '../../lib/format.js';
import { checkProof, parseNote, type ProofCheck } from '../../lib/proof-verify.js';

/**
 * The drawers' inclusion proofs (SPEC 7.6): each record's RFC 6962 proof against the latest signed
 * checkpoint, and a Verify that checks it here in the browser with WebCrypto (the leaf from the
 * record's hash, the path to the checkpoint's root, the checkpoint's Ed25519 signature) — the
 * server's word is not needed for any of it.
 */
export function ProofSlot({ records }: { records: AuditRecord[] }) {
  const latest = useAsync(async () => {
    const [text, key] = await Promise.all([api.auditCheckpoint(), api.auditPublicKey()]);
    return { text, key, note: text ? parseNote(text) : null };
  }, []);
  if (records.length === 0) return null;
  if (latest.loading && !latest.data) return <Loading label="Loading the latest checkpoint…" />;
  if (latest.error) return <p className="field-error small">{latest.error}</p>;
  const { text, key, note } = latest.data!;
  if (!text || !note) {
    return (
      <p className="muted small" data-proof-slot={records.map((r) => r.seq).join(',')}>
        No checkpoint has been signed yet (one is signed every 1,000 records, after 10 minutes when anything changed, and on clean stop).
      </p>
    );
  }
  return (
    <div className="proof-slot" data-proof-slot={records.map((r) => r.seq).join(',')}>
      <p className="muted small">
        Latest checkpoint: {num(note.size)} records, signed by <span className="mono">{note.origin}</span> (key {key.key_id}).
      </p>
      <ul className="proof-list">
        {records.map((r) => (
          <ProofRow key={r.seq} record={r} size={note.size} checkpoint={text} publicKey={key.public_key} />
        ))}
      </ul>
    </div>
  );
}

function ProofRow({ record, size, checkpoint, publicKey }: { record: AuditRecord; size: number; checkpoint: string; publicKey: string }) {
  const [proof, setProof] = useState<AuditProof | null>(null);
  const [check, setCheck] = useState<ProofCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (record.seq > size) {
    return (
      <li className="small muted">
        #{record.seq}: not in the latest checkpoint yet (it covers records 1–{num(size)}).
      </li>
    );
  }
  async function verify() {
    setBusy(true);
    setError(null);
    try {
      const p = proof ?? (await api.auditProof(record.seq, size));
      setProof(p);
      setCheck(await checkProof(record.hash, p, checkpoint, publicKey));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  const ok = check && check.leaf && check.root && check.signature !== 'bad';
  return (
    <li className="proof-row">
      <div className="row">
        <span className="mono small">#{record.seq}</span>
        <span className="grow" />
        {check && (
          <Pill
            tone={ok ? 'allowed' : 'denied'}
            title={`leaf ${check.leaf ? 'ok' : 'differs'}, root ${check.root ? 'ok' : 'differs'}, signature ${check.signature}`}
          >
            {ok ? 'verified' : 'does not verify'}
          </Pill>
        )}
        <button
          type="button"
          className="btn sm"
          disabled={busy}
          onClick={() => void verify()}
          aria-label={`Verify the inclusion proof of record ${record.seq}`}
        >
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="shield" size={13} />} Verify
        </button>
      </div>
      {error && <p className="field-error small">{error}</p>}
      {check && (
        <p className="small" role="status">
          {check.leaf ? 'Leaf = SHA-256(0x00 ‖ record hash) ✓' : 'The leaf does not match this record’s hash ✗'} ·{' '}
          {check.root ? `path of ${proof!.proof.length} hashes leads to the signed root ✓` : 'the path does not lead to the signed root ✗'}{' '}
          ·{' '}
          {check.signature === 'ok'
            ? 'checkpoint signature (Ed25519) ✓'
            : check.signature === 'bad'
              ? 'checkpoint signature does not verify ✗'
              : 'this browser cannot check Ed25519: verify the signature with `gatehouse audit verify` or openssl'}
        </p>
      )}
      {proof && (
        <details className="small">
          <summary>Proof ({proof.proof.length} hashes)</summary>
          <div className="mono proof-hashes">
            <div>leaf {proof.leaf_hash}</div>
            {proof.proof.map((h, i) => (
              <div key={i}>{h}</div>
            ))}
          </div>
        </details>
      )}
    </li>
  );
}
