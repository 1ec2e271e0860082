import { useState } from 'react';
import type { ActionStatus, Agent } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { CopyButton } from '../../components/CopyButton.js';
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
import { connectionOf, countsShown, type AgentConnection } from './kind.js';
import { RegisterDialog } from './RegisterDialog.js';

/** Agents whose latest action is looked up (to see whether they come through an MCP server). */
const LOOKUP_LIMIT = 100;

/** A stacked bar of every status, and a legend whose numbers add up to the total shown beside it. */
function Outcomes({ a }: { a: Agent }) {
  const shown = countsShown(a.counts);
  const total = Math.max(1, a.counts.total);
  const sum = (g: string) => shown.filter((x) => x.group === g).reduce((n, x) => n + x.n, 0);
  return (
    <div className="decision-cell">
      <div className="decision-bar" aria-hidden="true">
        <span className="ok" style={{ width: `${(sum('ok') / total) * 100}%` }} />
        <span className="wait" style={{ width: `${(sum('wait') / total) * 100}%` }} />
        <span className="no" style={{ width: `${(sum('no') / total) * 100}%` }} />
        <span className="gone" style={{ width: `${(sum('gone') / total) * 100}%` }} />
      </div>
      <div className="small decision-legend" data-testid="outcomes">
        {shown.length === 0 && <span className="muted">no actions yet</span>}
        {shown.map((x) => (
          <span key={x.status} className={x.status === 'failed' ? 'no-text' : `${x.group}-text`} data-status={x.status} data-n={x.n}>
            {num(x.n)} {x.status}
          </span>
        ))}
      </div>
    </div>
  );
}

function Trust({ a, onRegister }: { a: Agent; onRegister: () => void }) {
  if (a.registered) {
    return (
      <div className="trust">
        <Pill tone="allowed">registered</Pill>
        <span className="muted small">{a.agent_type ?? 'supervised'}</span>
      </div>
    );
  }
  return (
    <div className="trust">
      <Pill tone="pending">unregistered</Pill>
      <span className="small pending-text">+10 risk on each action</span>
      <button type="button" className="btn sm" onClick={onRegister}>
        Register…
      </button>
    </div>
  );
}

function Connection({ c }: { c: AgentConnection | null }) {
  if (!c) return <span className="muted small">…</span>;
  return (
    <div className="connection">
      <span className={`kind-chip ${c.kind}`}>{c.label}</span>
      <span className={`small conn-${c.tone}`}>{c.status}</span>
    </div>
  );
}

function AgentDrawer({
  agent,
  connection,
  onClose,
  onRegister,
}: {
  agent: Agent;
  connection: AgentConnection | null;
  onClose: () => void;
  onRegister: () => void;
}) {
  const navigate = useStore((s) => s.navigate);
  const shown = countsShown(agent.counts);
  return (
    <Drawer title={agent.name ?? agent.agent_id} subtitle={agent.agent_id} onClose={onClose}>
      <div className="stack">
        <section>
          <h3 className="section-title">Trust</h3>
          {agent.registered ? (
            <p>
              <Pill tone="allowed">registered</Pill> {agent.agent_type ?? 'supervised'} — its actions carry no “unregistered agent” risk.{' '}
              <button type="button" className="btn sm" onClick={onRegister}>
                Edit…
              </button>
            </p>
          ) : (
            <p>
              <Pill tone="pending">unregistered</Pill> Every action it submits gets <strong>+10 risk</strong> (“unregistered agent”).{' '}
              <button type="button" className="btn sm primary" onClick={onRegister}>
                Register and trust…
              </button>
            </p>
          )}
        </section>
        <section>
          <h3 className="section-title">Connection</h3>
          {connection ? (
            <dl className="kv">
              <dt>Kind</dt>
              <dd>
                <span className={`kind-chip ${connection.kind}`}>{connection.label}</span>
              </dd>
              <dt>Status</dt>
              <dd className={`conn-${connection.tone}`}>{connection.status}</dd>
              {connection.fix && (
                <>
                  <dt>Fix</dt>
                  <dd className="row">
                    <code>{connection.fix}</code>
                    <CopyButton text={connection.fix} label="" className="btn sm ghost icon" />
                  </dd>
                </>
              )}
              <dt>How we know</dt>
              <dd className="muted small">{connection.how}</dd>
            </dl>
          ) : (
            <Loading label="Looking at how it connects…" />
          )}
        </section>
        <dl className="kv">
          <dt>First seen</dt>
          <dd>{fullTime(agent.created_at)}</dd>
          <dt>Last seen</dt>
          <dd>{fullTime(agent.last_seen_at)}</dd>
          <dt>Capabilities</dt>
          <dd className="row-wrap">
            {agent.capabilities.length ? (
              agent.capabilities.map((c) => <code key={c}>{c}</code>)
            ) : (
              <span className="muted">none declared</span>
            )}
          </dd>
        </dl>
        <section>
          <h3 className="section-title">Actions by status</h3>
          <table className="table counts-table" aria-label="Actions by status">
            <tbody>
              {shown.map((x) => (
                <tr key={x.status}>
                  <td>{x.status}</td>
                  <td className="num">{num(x.n)}</td>
                </tr>
              ))}
              <tr className="total">
                <td>total</td>
                <td className="num">{num(agent.counts.total)}</td>
              </tr>
            </tbody>
          </table>
        </section>
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
  const { data, error, loading, reload } = useAsync(() => api.allAgents(), [liveSeq]);
  const integrations = useAsync(() => api.integrations(), [liveSeq]);
  const mcp = useAsync(() => api.listMcpServers(), [liveSeq]);
  const ids = (data?.items ?? []).map((a) => a.agent_id);
  const last = useAsync(async () => {
    const out = new Map<string, ActionStatus | null>();
    await Promise.all(
      ids.slice(0, LOOKUP_LIMIT).map(async (id) => {
        const page = await api.listActions({ agent_id: id, limit: 1 });
        out.set(id, page.items[0] ?? null);
      }),
    );
    return out;
  }, [ids.join('\n'), liveSeq]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [registering, setRegistering] = useState<Agent | null>(null);
  const now = useNow();
  const agents = [...(data?.items ?? [])].sort(
    (a, b) => Date.parse(b.last_seen_at ?? b.created_at) - Date.parse(a.last_seen_at ?? a.created_at),
  );
  const connection = (a: Agent): AgentConnection | null =>
    integrations.data && mcp.data && last.data
      ? connectionOf(a, {
          integrations: integrations.data.items,
          mcpServers: mcp.data.items,
          lastAction: last.data.get(a.agent_id) ?? null,
          now,
        })
      : null;
  const open = agents.find((a) => a.agent_id === openId) ?? null;
  const unregistered = agents.filter((a) => !a.registered).length;

  return (
    <>
      <Header
        title="Agents"
        subtitle={
          data
            ? `${agents.length} agent${agents.length === 1 ? '' : 's'} seen${unregistered ? ` · ${unregistered} unregistered (+10 risk each action)` : ''}`
            : undefined
        }
      />
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
                <table className="table agents-table cards">
                  <thead>
                    <tr>
                      <th>Agent</th>
                      <th>Kind · integration</th>
                      <th>Trust</th>
                      <th>Last seen</th>
                      <th className="num">Actions</th>
                      <th>By status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {agents.map((a) => (
                      <tr key={a.agent_id} data-agent-id={a.agent_id} data-total={a.counts.total}>
                        <td className="card-title">
                          <button type="button" className="linklike agent-id" onClick={() => setOpenId(a.agent_id)}>
                            {a.name ?? a.agent_id}
                          </button>
                          {a.name && <div className="mono small muted agent-id">{a.agent_id}</div>}
                        </td>
                        <td data-label="Kind · integration">
                          <Connection c={connection(a)} />
                        </td>
                        <td data-label="Trust">
                          <Trust a={a} onRegister={() => setRegistering(a)} />
                        </td>
                        <td className="small nowrap" data-label="Last seen" title={fullTime(a.last_seen_at)}>
                          {relativeTime(a.last_seen_at, now)}
                        </td>
                        <td className="num" data-label="Actions">
                          {num(a.counts.total)}
                        </td>
                        <td className="card-wide" data-label="By status" style={{ minWidth: 220 }}>
                          <Outcomes a={a} />
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
      {open && (
        <AgentDrawer agent={open} connection={connection(open)} onClose={() => setOpenId(null)} onRegister={() => setRegistering(open)} />
      )}
      {registering && (
        <RegisterDialog
          agent={registering}
          onClose={() => setRegistering(null)}
          onDone={() => {
            setRegistering(null);
            reload();
          }}
        />
      )}
    </>
  );
}
