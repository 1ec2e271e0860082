import { useState } from 'react';
import type { VerifyResult } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Icon } from '../../components/Icon.js';
import { num } from '../../lib/format.js';
import { checkLatestCheckpoint, type CheckpointCheck } from './checkpoint-check.js';

/** Both halves of "Verify": the hash chain (server) and the latest signed checkpoint (checked here). */
export interface VerifyOutcome {
  chain: VerifyResult | { error: string };
  checkpoint: CheckpointCheck | { error: string };
}

export function VerifyButton({ onResult }: { onResult: (r: VerifyOutcome) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="btn"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          const [chain, checkpoint] = await Promise.all([
            api.verify().catch((e: unknown) => ({ error: errorMessage(e) })),
            checkLatestCheckpoint().catch((e: unknown) => ({ error: errorMessage(e) })),
          ]);
          onResult({ chain, checkpoint });
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="shield" size={15} />}
      Verify chain
    </button>
  );
}

const checkpointOk = (c: VerifyOutcome['checkpoint']): boolean =>
  !('error' in c) && (c.state === 'none' || (c.signature !== 'bad' && c.included !== false));

/** The latest checkpoint's check, in words: what was checked and how it came out. */
function CheckpointLine({ c }: { c: VerifyOutcome['checkpoint'] }) {
  if ('error' in c) return <div className="small">The signed checkpoint could not be checked: {c.error}</div>;
  if (c.state === 'none')
    return (
      <div className="small">
        No checkpoint has been signed yet (one is signed every 1,000 records, after 10 minutes when anything changed, and on clean stop).
      </div>
    );
  const sig =
    c.signature === 'ok'
      ? 'its Ed25519 signature verifies ✓'
      : c.signature === 'bad'
        ? 'its signature does NOT verify ✗'
        : 'this browser cannot check Ed25519 (use `gatehouse audit verify`)';
  const inc =
    c.included === true
      ? `record #${num(c.size)} is a leaf of its signed root ✓`
      : c.included === false
        ? `record #${num(c.size)} is NOT in its signed root ✗`
        : `open record #${num(c.size)} to check its inclusion proof`;
  return (
    <div className="small" data-testid="checkpoint-check">
      <strong>Latest signed checkpoint</strong> ({num(c.size)} records, key {c.keyId}): {sig}; {inc}.
    </div>
  );
}

/** The outcome of a verification: the chain ok with the head hash, or the first bad seq in red; the checkpoint's check below. */
export function VerifyResultBanner({ result: outcome, onClose }: { result: VerifyOutcome; onClose: () => void }) {
  const result = outcome.chain;
  const close = (
    <button type="button" className="btn ghost sm icon" aria-label="Dismiss" onClick={onClose}>
      <Icon name="x" size={14} />
    </button>
  );
  if ('ok' in result && result.ok && checkpointOk(outcome.checkpoint)) {
    return (
      <div className="banner ok verify-result" role="status">
        <Icon name="check" />
        <div className="banner-body">
          <strong>The hash chain verifies.</strong>{' '}
          {result.archived_records ? (
            <>
              The {num(result.records - result.archived_records)} live records run unbroken from the last archived one to the head. Records
              1–{num(result.archived_records)} were moved to <code>archive/</code> by retention:{' '}
              <code>gatehouse audit verify --archive</code> checks them too.
            </>
          ) : (
            <>{num(result.records)} records, unbroken from the first to the head.</>
          )}
          <div className="small mono truncate">head {result.head_hash ?? '—'}</div>
          <CheckpointLine c={outcome.checkpoint} />
        </div>
        {close}
      </div>
    );
  }
  return (
    <div className="banner error verify-result" role="alert">
      <Icon name="alert" />
      <div className="banner-body">
        {'ok' in result && result.ok ? (
          <strong>
            The hash chain verifies ({num(result.records)} records), but the signed checkpoint{' '}
            {'error' in outcome.checkpoint ? 'could not be checked' : 'does not'}.
          </strong>
        ) : 'ok' in result ? (
          <>
            <strong>The chain is broken at seq {result.first_bad_seq ?? '?'}.</strong> Records from there on do not match their hashes: the
            log was altered or damaged. {result.error ?? ''}
            <div className="small">{num(result.records)} records checked.</div>
          </>
        ) : (
          <>
            <strong>Verification could not run.</strong> {result.error}
          </>
        )}
        <CheckpointLine c={outcome.checkpoint} />
      </div>
      {close}
    </div>
  );
}
