import { useState } from 'react';
import type { Agent } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { Drawer } from '../../components/Drawer.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Link } from '../../components/Link.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, num, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

/** A thin stacked bar of an agent's outcomes: allowed (incl. approved) / pending / denied (incl. rejected, expired). */
function DecisionBar({ a }: { a: Agent }) {
  const c = a.counts;
  const ok = c.allowed + c.approved + c.completed;
  const no = c.denied + c.rejected + c.expired + c.failed;
  const wait = c.pending;
  const total = Math.max(1, ok + no + wait);
  return (
    <div className="decision-cell">
      <div className="decision-bar" aria-hidden="true">
        <span className="ok" style={{ width: `${(ok / total) * 100}%` }} />
        <span className="wait" style={{ width: `${(wait / total) * 100}%` }} />
        <span className="no" style={{ width: `${(no / total) * 100}%` }} />
      </div>
      <div className="small decision-legend">
        <span className="allowed-text">{num(c.allowed)} allowed</span>
        {c.approved > 0 && <span className="allowed-text">{num(c.approved)} approved</span>}
        {c.pending > 0 && <span className="pending-text">{num(c.pending)} pending</span>}
        <span className="denied-text">{num(c.denied)} denied</span>
        {c.rejected > 0 && <span className="denied-text">{num(c.rejected)} rejected</span>}
        {c.expired > 0 && <span className="muted">{num(c.expired)} expired</span>}
      </div>
    </div>
  );
}

function AgentDrawer({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const navigate = useStore((s) => s.navigate);
  return (
    <Drawer title={agent.name ?? agent.agent_id} subtitle={agent.agent_id} onClose={onClose}>
      <div className="stack">
        <dl className="kv">
          <dt>Registered</dt>
          <dd>{agent.registered ? <Pill tone="allowed">registered</Pill> : <Pill tone="pending">unregistered</Pill>}</dd>
          <dt>Type</dt>
          <dd>{agent.agent_type ?? '—'}</dd>
          <dt>First seen</dt>
          <dd>{fullTime(agent.created_at)}</dd>
          <dt>Last seen</dt>
          <dd>{fullTime(agent.last_seen_at)}</dd>
          <dt>Actions</dt>
          <dd>{num(agent.counts.total)}</dd>
          <dt>Capabilities</dt>
          <dd className="row-wrap">
            {agent.capabilities.length ? (
              agent.capabilities.map((c) => <code key={c}>{c}</code>)
            ) : (
              <span className="muted">none declared</span>
            )}
          </dd>
        </dl>
        <DecisionBar a={agent} />
        <section>
          <h3 className="section-title">Top action types</h3>
          {agent.top_action_types.length === 0 ? (
            <p className="muted small">None yet.</p>
          ) : (
            <ul className="top-list">
              {agent.top_action_types.map((t) => (
                <li key={t.action_type}>
                  <code>{t.action_type}</code> <span className="muted">{num(t.count)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h3 className="section-title">Registration metadata</h3>
          <CodeBlock text={JSON.stringify(agent.metadata, null, 2)} label="Agent metadata" />
        </section>
        <div>
          <button
            type="button"
            className="btn"
            onClick={() => {
              onClose();
              navigate(`/activity?agent_id=${encodeURIComponent(agent.agent_id)}`);
            }}
          >
            Show this agent's activity
          </button>
        </div>
      </div>
    </Drawer>
  );
}

export function AgentsScreen() {
  const eventSeq = useStore((s) => s.eventSeq);
  // New events refresh the list once they stop arriving for a moment.
  const liveSeq = useDebounced(eventSeq, 1500);
  const { data, error, loading, reload } = useAsync(() => api.listAgents(), [liveSeq]);
  const [open, setOpen] = useState<Agent | null>(null);
  const now = useNow();
  const agents = [...(data?.items ?? [])].sort(
    (a, b) => Date.parse(b.last_seen_at ?? b.created_at) - Date.parse(a.last_seen_at ?? a.created_at),
  );
  return (
    <>
      <Header title="Agents" subtitle={data ? `${agents.length} agent${agents.length === 1 ? '' : 's'} seen` : undefined} />
      <div className="content">
        <div className="page stack">
          <ErrorBanner error={error} onRetry={reload} />
          {loading && !data ? (
            <Loading label="Loading agents…" />
          ) : data && agents.length === 0 ? (
            <EmptyState
              icon="bot"
              title="No agents have checked in yet"
              actions={
                <Link to="/settings?tab=integrations" className="btn primary">
                  See integration snippets
                </Link>
              }
            >
              <p>
                An agent appears here with its first action, or when it registers with <code>POST /api/v1/agents/register</code>. Registered
                agents carry their name, type and capabilities; unregistered ones add a little risk to each action.
              </p>
            </EmptyState>
          ) : (
            data && (
              <div className="table-wrap">
                <table className="table agents-table">
                  <thead>
                    <tr>
                      <th>Agent</th>
                      <th>Registration</th>
                      <th>Last seen</th>
                      <th className="num">Actions</th>
                      <th>Decisions</th>
                      <th>Top action types</th>
                    </tr>
                  </thead>
                  <tbody>
                    {agents.map((a) => (
                      <tr key={a.agent_id} data-agent-id={a.agent_id}>
                        <td>
                          <button type="button" className="linklike" onClick={() => setOpen(a)}>
                            {a.name ?? a.agent_id}
                          </button>
                          {a.name && <div className="mono small muted">{a.agent_id}</div>}
                        </td>
                        <td>
                          {a.registered ? <Pill tone="allowed">registered</Pill> : <Pill tone="pending">unregistered</Pill>}
                          {a.agent_type && <div className="muted small">{a.agent_type}</div>}
                        </td>
                        <td className="small nowrap" title={fullTime(a.last_seen_at)}>
                          {relativeTime(a.last_seen_at, now)}
                        </td>
                        <td className="num">{num(a.counts.total)}</td>
                        <td style={{ minWidth: 220 }}>
                          <DecisionBar a={a} />
                        </td>
                        <td>
                          <div className="row-wrap">
                            {a.top_action_types.slice(0, 3).map((t) => (
                              <span key={t.action_type} className="chip">
                                <span className="mono">{t.action_type}</span> <span className="muted">{num(t.count)}</span>
                              </span>
                            ))}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          )}
        </div>
      </div>
      {open && <AgentDrawer agent={open} onClose={() => setOpen(null)} />}
    </>
  );
}
