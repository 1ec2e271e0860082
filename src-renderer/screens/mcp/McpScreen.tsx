import { useState } from 'react';
import type { McpServer, McpToolPin, PolicyView } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { CopyButton } from '../../components/CopyButton.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { Segmented } from '../../components/Segmented.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, num, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { MCP_CONFIG } from '../settings/snippets.js';
import { PinChange } from './PinChange.js';
import { switchOf, switchPolicy, switchPolicyId, type ToolSwitch } from './toolSwitch.js';

const SWITCHES: { value: ToolSwitch; label: string; hint: string }[] = [
  { value: 'default', label: 'Default', hint: 'Decided by your other policies and the risk thresholds' },
  { value: 'allow', label: 'Allow', hint: 'Always allow this tool (priority 500)' },
  { value: 'ask', label: 'Ask', hint: 'Ask you before every call (priority 500)' },
  { value: 'block', label: 'Block', hint: 'Refuse every call (priority 500)' },
];

/** One tool: its pin, its call count and its allow / ask / block switch (which writes a policy). */
function ToolRow({
  s,
  name,
  description,
  pin,
  policy,
  now,
  onChanged,
}: {
  s: McpServer;
  name: string;
  description: string | undefined;
  pin: McpToolPin | undefined;
  policy: PolicyView | undefined;
  now: number;
  onChanged: () => void;
}) {
  const pushToast = useStore((st) => st.pushToast);
  const [busy, setBusy] = useState(false);
  const value = switchOf(policy);
  const set = async (v: ToolSwitch) => {
    if (v === value) return;
    setBusy(true);
    try {
      const id = switchPolicyId(s.server_id, name);
      if (v === 'default') await api.deletePolicy(id);
      else if (policy) await api.updatePolicy(id, switchPolicy(s.server_id, name, v));
      else await api.createPolicy(switchPolicy(s.server_id, name, v));
      pushToast({ kind: 'info', title: `${name}: ${SWITCHES.find((x) => x.value === v)!.label.toLowerCase()}`, detail: `Policy ${id}` });
      onChanged();
    } catch (e) {
      pushToast({ kind: 'error', title: `Could not change ${name}`, detail: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-tool={name} aria-busy={busy}>
      <div className="tool-main">
        <code className="tool-name">{name}</code>
        {pin?.status === 'changed' ? <Pill tone="pending">changed</Pill> : pin ? <Pill tone="allowed">pinned</Pill> : null}
        <span className="muted small">{description ?? 'No description.'}</span>
      </div>
      <div className="tool-meta small">
        {pin && (
          <span className="mono muted" title={`SHA-256 of the approved definition, pinned ${fullTime(pin.pinned_at)}`}>
            {pin.sha256.slice(0, 12)}
          </span>
        )}
        <span title={pin?.last_call_at ? `last call ${fullTime(pin.last_call_at)}` : undefined}>
          {num(pin?.calls ?? 0)} call{pin?.calls === 1 ? '' : 's'}
          {pin?.last_call_at ? ` · ${relativeTime(pin.last_call_at, now)}` : ''}
        </span>
        <Segmented label={`Decision for ${name}`} options={SWITCHES} value={value} onChange={(v) => void set(v)} />
      </div>
    </li>
  );
}

function ServerCard({ s, policies, now, reload }: { s: McpServer; policies: Map<string, PolicyView>; now: number; reload: () => void }) {
  const [open, setOpen] = useState(false);
  const pins = new Map(s.tool_pins.map((p) => [p.tool, p]));
  const changes = s.tool_pins.filter((p) => p.status === 'changed');
  const tools = [...s.tools].sort(
    (a, b) => Number(pins.get(b.name)?.status === 'changed') - Number(pins.get(a.name)?.status === 'changed'),
  );
  return (
    <article className={`card mcp-card${s.tools_changed_at || changes.length ? ' changed' : ''}`} data-server-id={s.server_id}>
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
      {changes.length > 0 && (
        <Banner kind="warn" role="alert">
          <strong>
            {changes.length === 1 ? `The definition of ${changes[0]!.tool} changed` : `${changes.length} tool definitions changed`} since
            you approved {changes.length === 1 ? 'it' : 'them'}.
          </strong>{' '}
          A tool that rewrites its description or schema after you trusted it may be trying to steer the agent (a &ldquo;rug pull&rdquo;).
          Its calls are blocked until you compare and accept the new definition below.
        </Banner>
      )}
      {changes.map((p) => (
        <PinChange key={p.tool} pin={p} now={now} onAccepted={reload} />
      ))}
      {s.tools_changed_at && (
        <Banner kind="warn" role="status">
          <strong>The tool list changed {relativeTime(s.tools_changed_at, now)}.</strong> Review the tools below and the server&rsquo;s
          command before relying on it.
        </Banner>
      )}
      {s.command && (
        <div>
          <div className="label">{/^https?:\/\//.test(s.command) ? 'URL' : 'Command'}</div>
          <CodeBlock text={s.command} label="Server command" />
        </div>
      )}
      <button type="button" className="btn ghost sm tools-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name={open ? 'chevronDown' : 'chevronRight'} size={14} /> {open ? 'Hide' : 'Show'} {s.tools.length} tool
        {s.tools.length === 1 ? '' : 's'}
      </button>
      {open && (
        <ul className="tool-list">
          {tools.map((t) => (
            <ToolRow
              key={t.name}
              s={s}
              name={t.name}
              description={t.description}
              pin={pins.get(t.name)}
              policy={policies.get(switchPolicyId(s.server_id, t.name))}
              now={now}
              onChanged={reload}
            />
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
  const { data, error, loading, reload } = useAsync(async () => {
    const [servers, policies] = await Promise.all([api.listMcpServers(), api.listPolicies()]);
    return { servers: servers.items, policies: new Map(policies.items.map((p) => [p.id, p])) };
  }, [liveSeq]);
  const now = useNow();
  const servers = data?.servers ?? [];
  const pending = servers.reduce((n, s) => n + s.tool_pins.filter((p) => p.status === 'changed').length, 0);
  return (
    <>
      <Header
        title="MCP servers"
        subtitle={
          data
            ? `${servers.length} server${servers.length === 1 ? '' : 's'} behind the governance proxy${pending ? ` · ${pending} definition change${pending === 1 ? '' : 's'} to review` : ''}`
            : undefined
        }
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
            servers.map((s) => <ServerCard key={s.server_id} s={s} policies={data?.policies ?? new Map()} now={now} reload={reload} />)
          )}
        </div>
      </div>
    </>
  );
}
