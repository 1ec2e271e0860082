import type { PolicyView } from '../../../src-shared/index.js';
import { Icon } from '../../components/Icon.js';
import { Pill } from '../../components/Pill.js';
import { Switch } from '../../components/Switch.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, num, relativeTime, words } from '../../lib/format.js';

function Expiry({ at, now }: { at: string | null | undefined; now: number }) {
  if (!at) return <span className="muted">never</span>;
  const past = Date.parse(at) <= now;
  return (
    <span className={past ? 'field-error' : undefined} title={fullTime(at)} data-expires-at={at}>
      {past ? `expired ${relativeTime(at, now)}` : relativeTime(at, now)}
    </span>
  );
}

/** The policy set, highest priority first, with enable toggles. */
export function PolicyTable({
  policies,
  busy,
  onToggle,
  onEdit,
  onDelete,
}: {
  policies: PolicyView[];
  busy: Record<string, boolean>;
  onToggle: (p: PolicyView, enabled: boolean) => void;
  onEdit: (p: PolicyView) => void;
  onDelete: (p: PolicyView) => void;
}) {
  const now = useNow();
  return (
    <div className="table-wrap">
      <table className="table policy-table cards">
        <thead>
          <tr>
            <th style={{ width: 56 }}>On</th>
            <th>Policy</th>
            <th>Effect</th>
            <th className="num">Priority</th>
            <th>Mode</th>
            <th className="num">Hits</th>
            <th>Source</th>
            <th>Expiry</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {policies.map((p) => (
            <tr key={p.id} className={p.enabled ? undefined : 'disabled'} data-policy-id={p.id}>
              <td className="card-lead">
                <Switch
                  checked={p.enabled}
                  disabled={busy[p.id]}
                  label={`${p.enabled ? 'Disable' : 'Enable'} ${p.id}`}
                  onChange={(v) => onToggle(p, v)}
                />
              </td>
              <td className="policy-name card-title">
                <button type="button" className="linklike" onClick={() => onEdit(p)}>
                  {p.name ?? p.id}
                </button>
                <div className="mono small muted policy-id">{p.id}</div>
                {p.unusable && (
                  <div className="small policy-unusable" role="note" title={p.unusable.message}>
                    {p.unusable.handling === 'disabled'
                      ? 'Cannot compile any more; left out of decisions until fixed'
                      : 'Cannot compile any more; enforced more broadly (the broken condition dropped) until fixed'}
                  </div>
                )}
              </td>
              <td data-label="Effect">
                <Pill tone={p.effect}>{words(p.effect)}</Pill>
              </td>
              <td className="num" data-label="Priority">
                {p.priority}
              </td>
              <td data-label="Mode">
                {p.mode === 'shadow' ? <Pill tone="shadow">shadow</Pill> : <span className="muted small">enforce</span>}
              </td>
              <td className="num" data-label="Hits" title={p.last_hit_at ? `Last hit ${fullTime(p.last_hit_at)}` : 'Never matched'}>
                {num(p.hits)}
                {p.last_hit_at && <div className="muted small nowrap">{relativeTime(p.last_hit_at, now)}</div>}
              </td>
              <td data-label="Source">
                <span className="small">{p.source}</span>
                {p.ephemeral && <div className="muted small">until restart</div>}
              </td>
              <td className="small nowrap" data-label="Expiry">
                <Expiry at={p.expires_at} now={now} />
              </td>
              <td className="nowrap card-end" style={{ textAlign: 'right' }}>
                <button type="button" className="btn ghost sm icon" aria-label={`Edit ${p.id}`} title="Edit" onClick={() => onEdit(p)}>
                  <Icon name="edit" size={14} />
                </button>
                <button
                  type="button"
                  className="btn ghost sm icon"
                  aria-label={`Delete ${p.id}`}
                  title="Delete"
                  onClick={() => onDelete(p)}
                >
                  <Icon name="trash" size={14} />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
