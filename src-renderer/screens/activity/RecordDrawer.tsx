import type { AuditRecord } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { CopyButton } from '../../components/CopyButton.js';
import { Drawer } from '../../components/Drawer.js';
import { Loading } from '../../components/Loading.js';
import { Pill, StatusPill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { useAsync } from '../../hooks/useAsync.js';
import { fullTime, words } from '../../lib/format.js';
import { RiskFactors } from '../approvals/RiskFactors.js';
import { ProofSlot } from './ProofSlot.js';

function ActionStatusPanel({ actionId }: { actionId: string }) {
  const { data: s, error, loading, reload } = useAsync(() => api.status(actionId), [actionId]);
  if (loading && !s) return <Loading label="Loading the action's status…" />;
  if (error) return <ErrorBanner error={error} onRetry={reload} />;
  if (!s) return null;
  return (
    <div className="stack-sm">
      <dl className="kv">
        <dt>Status</dt>
        <dd className="row">
          <StatusPill status={s.status} /> <span className="muted small">decision: {s.decision}</span>
        </dd>
        <dt>Agent</dt>
        <dd>{s.agent_id}</dd>
        <dt>Action</dt>
        <dd className="mono">{s.action_type}</dd>
        <dt>Risk</dt>
        <dd>
          <RiskBadge score={s.risk.score} level={s.risk.level} />
        </dd>
        <dt>Policy</dt>
        <dd>
          {s.policy ? (
            <>
              <span className="mono">{s.policy.id}</span> <Pill tone={s.policy.effect}>{words(s.policy.effect)}</Pill>
            </>
          ) : (
            <span className="muted">none (decided by risk)</span>
          )}
        </dd>
        <dt>Reason</dt>
        <dd>{s.reason}</dd>
        {s.flags.length > 0 && (
          <>
            <dt>Flags</dt>
            <dd className="row-wrap">
              {s.flags.map((f) => (
                <Pill key={f} tone="monitor">
                  {f}
                </Pill>
              ))}
            </dd>
          </>
        )}
        <dt>Reviewed</dt>
        <dd>{s.reviewed_by ? `${s.reviewed_by} · ${fullTime(s.reviewed_at)}` : '—'}</dd>
        {s.comment && (
          <>
            <dt>Comment</dt>
            <dd>{s.comment}</dd>
          </>
        )}
        <dt>Completed</dt>
        <dd>{s.completed_at ? `${fullTime(s.completed_at)}${s.duration_ms != null ? ` · ${s.duration_ms} ms` : ''}` : '—'}</dd>
        {s.error && (
          <>
            <dt>Error</dt>
            <dd className="field-error">{s.error}</dd>
          </>
        )}
      </dl>
      <div className="label" style={{ marginTop: 8 }}>
        Risk factors
      </div>
      <RiskFactors risk={s.risk} />
    </div>
  );
}

function Hash({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className="row">
        <code className="hash grow">{value}</code>
        <CopyButton text={value} label="" className="btn sm ghost icon" />
      </dd>
    </>
  );
}

/** The raw audit record, its place in the hash chain, and for actions the full current status. */
export function RecordDrawer({
  record,
  onClose,
  onFilterAction,
}: {
  record: AuditRecord;
  onClose: () => void;
  onFilterAction: (id: string) => void;
}) {
  return (
    <Drawer title={`${record.type} · #${record.seq}`} subtitle={fullTime(record.ts)} onClose={onClose}>
      <div className="stack">
        <dl className="kv">
          <dt>Record</dt>
          <dd className="mono">{record.id}</dd>
          <dt>Actor</dt>
          <dd>{record.actor}</dd>
          <Hash label="hash" value={record.hash} />
          <Hash label="prev_hash" value={record.prev_hash} />
          {record.action_id && (
            <>
              <dt>Action</dt>
              <dd className="row-wrap">
                <span className="mono">{record.action_id}</span>
                <button type="button" className="btn sm" onClick={() => onFilterAction(record.action_id!)}>
                  All records of this action
                </button>
              </dd>
            </>
          )}
        </dl>
        {record.action_id && (
          <section>
            <h3 className="section-title">Action status</h3>
            <ActionStatusPanel actionId={record.action_id} />
          </section>
        )}
        <section>
          <h3 className="section-title">Raw record</h3>
          <CodeBlock text={JSON.stringify(record, null, 2)} copy tall label="Raw audit record JSON" />
        </section>
        <section className="proof-section" aria-label="Inclusion proof">
          <h3 className="section-title">Inclusion proof</h3>
          <ProofSlot records={[record]} />
        </section>
      </div>
    </Drawer>
  );
}
