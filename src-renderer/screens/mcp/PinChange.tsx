import { useState } from 'react';
import type { McpToolPin } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { fullTime, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

/** Top-level fields whose value differs between two definitions (compared as JSON). */
function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.add(k);
  return out;
}

function Definition({ def, changed, label }: { def: Record<string, unknown>; changed: Set<string>; label: string }) {
  const keys = Object.keys(def).sort();
  return (
    <div className="pin-def" role="group" aria-label={label}>
      <div className="label">{label}</div>
      <dl>
        {keys.map((k) => (
          <div key={k} className={changed.has(k) ? 'pin-field changed' : 'pin-field'}>
            <dt className="mono">{k}</dt>
            <dd>
              <pre className="mono">{typeof def[k] === 'string' ? (def[k] as string) : JSON.stringify(def[k], null, 2)}</pre>
            </dd>
          </div>
        ))}
        {[...changed]
          .filter((k) => !(k in def))
          .map((k) => (
            <div key={k} className="pin-field changed absent">
              <dt className="mono">{k}</dt>
              <dd className="muted small">(absent)</dd>
            </div>
          ))}
      </dl>
    </div>
  );
}

/**
 * A tool whose definition changed since it was approved (SPEC 9.2): the approved and the new
 * definition side by side, changed fields marked, and Accept — bound to the exact definition shown.
 */
export function PinChange({ pin, now, onAccepted }: { pin: McpToolPin; now: number; onAccepted: () => void }) {
  const pushToast = useStore((s) => s.pushToast);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = pin.pending_definition ?? {};
  const changed = changedKeys(pin.definition, next);
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.acceptMcpTool(pin.server_id, pin.tool, { sha256: pin.pending_sha256 ?? undefined });
      pushToast({ kind: 'allowed', title: `Accepted the new definition of ${pin.tool}`, detail: 'Its calls are evaluated again.' });
      onAccepted();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="pin-change" data-tool={pin.tool} aria-label={`Definition change of ${pin.tool}`}>
      <header className="row">
        <div className="grow">
          <h3>
            <code>{pin.tool}</code> changed its definition
          </h3>
          <div className="muted small">
            <span title={fullTime(pin.pending_since)}>{relativeTime(pin.pending_since, now)}</span> · its calls are blocked until you accept
            it · fields that differ are marked
          </div>
        </div>
        <button type="button" className="btn primary sm" disabled={busy} onClick={() => void accept()}>
          Accept new definition
        </button>
      </header>
      {error && <Banner kind="error">{error}</Banner>}
      <div className="pin-sides">
        <Definition def={pin.definition} changed={changed} label={`Approved ${pin.sha256.slice(0, 12)}`} />
        <Definition def={next} changed={changed} label={`New ${String(pin.pending_sha256).slice(0, 12)}`} />
      </div>
    </section>
  );
}
