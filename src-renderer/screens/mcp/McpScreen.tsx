import { useState } from 'react';
import type { McpServer } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { CopyButton } from '../../components/CopyButton.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, num, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { MCP_CONFIG } from '../settings/snippets.js';

function ServerCard({ s, now }: { s: McpServer; now: number }) {
  const [open, setOpen] = useState(false);
  return (
    <article className={`card mcp-card${s.tools_changed_at ? ' changed' : ''}`} data-server-id={s.server_id}>
      <header className="row mcp-head">
        <Icon name="server" size={18} />
        <div className="grow">
          <h2>{s.name ?? s.server_id}</h2>
          <div className="muted small">
            <span className="mono">{s.server_id}</span> · first seen {relativeTime(s.created_at, now)}
          </div>
        </div>
        <div className="mcp-stats">
          <div>
            <div className="stat-label">Calls</div>
            <div className="mcp-num">{num(s.calls)}</div>
          </div>
          <div>
            <div className="stat-label">Tools</div>
            <div className="mcp-num">{num(s.tools.length)}</div>
          </div>
          <div>
            <div className="stat-label">Last seen</div>
            <div className="small" title={fullTime(s.last_seen_at)}>
              {relativeTime(s.last_seen_at, now)}
            </div>
          </div>
        </div>
      </header>
      {s.tools_changed_at && (
        <Banner kind="warn" role="alert">
          <strong>The tool list changed {relativeTime(s.tools_changed_at, now)}.</strong> A server that changes its tools after you trusted
          it may be compromised or updated unexpectedly ("rug pull"). Review the tools below and the server's command before relying on it.
        </Banner>
      )}
      {s.command && (
        <div>
          <div className="label">Command</div>
          <CodeBlock text={s.command} label="Server command" />
        </div>
      )}
      <button type="button" className="btn ghost sm tools-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name={open ? 'chevronDown' : 'chevronRight'} size={14} /> {open ? 'Hide' : 'Show'} {s.tools.length} tool
        {s.tools.length === 1 ? '' : 's'}
      </button>
      {open && (
        <ul className="tool-list">
          {s.tools.map((t) => (
            <li key={t.name}>
              <code className="tool-name">{t.name}</code>
              <span className="muted small">{t.description ?? 'No description.'}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

export function McpScreen() {
  const eventSeq = useStore((s) => s.eventSeq);
  // New events refresh the list once they stop arriving for a moment.
  const liveSeq = useDebounced(eventSeq, 1500);
  const { data, error, loading, reload } = useAsync(() => api.listMcpServers(), [liveSeq]);
  const now = useNow();
  const servers = data?.items ?? [];
  return (
    <>
      <Header
        title="MCP servers"
        subtitle={data ? `${servers.length} server${servers.length === 1 ? '' : 's'} behind the governance proxy` : undefined}
      />
      <div className="content">
        <div className="page stack">
          <ErrorBanner error={error} onRetry={reload} />
          {loading && !data ? (
            <Loading label="Loading MCP servers…" />
          ) : data && servers.length === 0 ? (
            <EmptyState icon="server" title="No MCP servers yet">
              <p>
                Put <code>gatehouse mcp-proxy</code> in front of any MCP server in your Claude Desktop, Cursor or Claude Code config. Each
                tool call is then checked before it reaches the server, and the server shows up here with its tools.
              </p>
              <div className="snippet-left">
                <CodeBlock text={MCP_CONFIG} mask={false} label="MCP proxy configuration" />
                <CopyButton text={MCP_CONFIG} label="Copy config" />
              </div>
            </EmptyState>
          ) : (
            servers.map((s) => <ServerCard key={s.server_id} s={s} now={now} />)
          )}
        </div>
      </div>
    </>
  );
}
