import type { ActionStatus, AuditRecord } from '../../../src-shared/index.js';
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
import { maskSecrets } from '../../lib/mask.js';
import { RiskFactors } from '../approvals/RiskFactors.js';
import { ProofSlot } from './ProofSlot.js';
import { sinceStart, timelineOf } from './timeline.js';

/** An action's records, oldest first (one page holds every record of an action). */
async function recordsOf(actionId: string): Promise<AuditRecord[]> {
  const page = await api.audit({ action_id: actionId, limit: 200 });
  return [...page.items].sort((a, b) => a.seq - b.seq);
}

function Timeline({ records }: { records: AuditRecord[] }) {
  const steps = timelineOf(records);
  const start = steps[0]?.ts ?? '';
  return (
    <ol className="timeline" aria-label="Timeline">
      {steps.map((s, i) => (
        <li key={`${s.seq}-${i}`} className={`tl-step ${s.tone}`}>
          <span className="tl-dot" aria-hidden="true" />
          <div className="tl-body">
            <div className="tl-head">
              <strong>{s.title}</strong>
              <span className="muted small">by {s.who}</span>
            </div>
            {s.detail && <div className="small tl-detail">{maskSecrets(s.detail)}</div>}
            <div className="muted small mono" title={s.ts}>
              {fullTime(s.ts)} {sinceStart(s.ts, start) && <span>· {sinceStart(s.ts, start)}</span>} · #{s.seq}
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}

function Summary({ a }: { a: ActionStatus }) {
  return (
    <dl className="kv">
      <dt>Status</dt>
      <dd className="row">
        <StatusPill status={a.status} /> <span className="muted small">decision: {a.decision}</span>
      </dd>
      <dt>Agent</dt>
      <dd>{a.agent_id}</dd>
      <dt>Action</dt>
      <dd className="mono">{a.action_type}</dd>
      <dt>Resource</dt>
      <dd className="mono wrap-anywhere">{a.resource ? maskSecrets(a.resource) : '—'}</dd>
      {a.description && (
        <>
          <dt>Description</dt>
          <dd>{maskSecrets(a.description)}</dd>
        </>
      )}
      {a.mcp && (
        <>
          <dt>MCP</dt>
          <dd className="mono">
            {a.mcp.server_id}
            {a.mcp.tool ? ` · ${a.mcp.tool}` : ''}
          </dd>
        </>
      )}
      <dt>Risk</dt>
      <dd>
        <RiskBadge score={a.risk.score} level={a.risk.level} />
      </dd>
      <dt>Policy</dt>
      <dd>
        {a.policy ? (
          <>
            <span className="mono">{a.policy.id}</span> <Pill tone={a.policy.effect}>{words(a.policy.effect)}</Pill>
          </>
        ) : (
          <span className="muted">none (decided by risk)</span>
        )}
      </dd>
      <dt>Reason</dt>
      <dd>{a.reason}</dd>
      <dt>Action id</dt>
      <dd className="row">
        <span className="mono small">{a.action_id}</span>
        <CopyButton text={a.action_id} label="" className="btn sm ghost icon" />
      </dd>
    </dl>
  );
}

function RecordHashes({ r }: { r: AuditRecord }) {
  return (
    <details className="record-hashes">
      <summary>
        <span className="type-chip">{r.type}</span> <span className="muted small">#{r.seq}</span>
      </summary>
      <dl className="kv">
        <dt>hash</dt>
        <dd>
          <code className="hash">{r.hash}</code>
        </dd>
        <dt>prev_hash</dt>
        <dd>
          <code className="hash">{r.prev_hash}</code>
        </dd>
      </dl>
      <CodeBlock text={JSON.stringify(r, null, 2)} copy label={`Raw audit record #${r.seq}`} />
    </details>
  );
}

/** One action: where it stands, its timeline (who answered, when), the request, and its records with their hashes. */
export function ActionDrawer({
  action,
  onClose,
  onShowRecords,
}: {
  action: ActionStatus;
  onClose: () => void;
  onShowRecords: (actionId: string) => void;
}) {
  const records = useAsync(() => recordsOf(action.action_id), [action.action_id]);
  // The row may be a page old: the drawer shows the status as it is now.
  const now = useAsync(() => api.status(action.action_id), [action.action_id]);
  const a = now.data ?? action;
  return (
    <Drawer title={`${a.agent_id} · ${a.action_type}`} subtitle={fullTime(a.created_at)} onClose={onClose} wide>
      <div className="stack">
        <Summary a={a} />
        <section>
          <h3 className="section-title">Timeline</h3>
          <ErrorBanner error={records.error} onRetry={records.reload} />
          {records.loading && !records.data ? <Loading label="Loading the action's records…" /> : <Timeline records={records.data ?? []} />}
        </section>
        <section>
          <h3 className="section-title">Risk factors</h3>
          <RiskFactors risk={a.risk} />
        </section>
        {(a.parameters || a.context) && (
          <section>
            <h3 className="section-title">Request</h3>
            {/* Named on screen too: two unnamed JSON blocks read as one request. */}
            {a.parameters && (
              <>
                <h4 className="label">Parameters</h4>
                <CodeBlock text={maskSecrets(JSON.stringify(a.parameters, null, 2))} copy label="Parameters" />
              </>
            )}
            {a.context && (
              <>
                <h4 className="label">Context</h4>
                <CodeBlock text={maskSecrets(JSON.stringify(a.context, null, 2))} copy label="Context" />
              </>
            )}
          </section>
        )}
        <section>
          <div className="row">
            <h3 className="section-title grow">Audit records</h3>
            <button type="button" className="btn sm" onClick={() => onShowRecords(a.action_id)}>
              Show in the event stream
            </button>
          </div>
          <div className="stack-sm">
            {(records.data ?? []).map((r) => (
              <RecordHashes key={r.seq} r={r} />
            ))}
          </div>
        </section>
        <section className="proof-section" aria-label="Inclusion proof">
          <h3 className="section-title">Inclusion proof</h3>
          <ProofSlot records={records.data ?? []} />
        </section>
      </div>
    </Drawer>
  );
}
