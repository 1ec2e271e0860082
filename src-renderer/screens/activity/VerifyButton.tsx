import { useState } from 'react';
import type { VerifyResult } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Icon } from '../../components/Icon.js';
import { num } from '../../lib/format.js';

export function VerifyButton({ onResult }: { onResult: (r: VerifyResult | { error: string }) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="btn"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          onResult(await api.verify());
        } catch (e) {
          onResult({ error: errorMessage(e) });
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

/** The outcome of a chain verification: ok with the head hash, or the first bad seq in red. */
export function VerifyResultBanner({ result, onClose }: { result: VerifyResult | { error: string }; onClose: () => void }) {
  const close = (
    <button type="button" className="btn ghost sm icon" aria-label="Dismiss" onClick={onClose}>
      <Icon name="x" size={14} />
    </button>
  );
  if ('ok' in result && result.ok) {
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
        </div>
        {close}
      </div>
    );
  }
  return (
    <div className="banner error verify-result" role="alert">
      <Icon name="alert" />
      <div className="banner-body">
        {'ok' in result ? (
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
      </div>
      {close}
    </div>
  );
}
