import type { Integration } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { CopyButton } from '../../components/CopyButton.js';
import { useAsync } from '../../hooks/useAsync.js';
import { relativeTime } from '../../lib/format.js';

/** The agents of SPEC 9.4, shown while their status loads. */
const AGENTS: { agent: Integration['agent']; name: string }[] = [
  { agent: 'claude-code', name: 'Claude Code' },
  { agent: 'codex', name: 'Codex CLI' },
  { agent: 'gemini', name: 'Gemini CLI' },
  { agent: 'cursor', name: 'Cursor' },
  { agent: 'copilot', name: 'GitHub Copilot CLI' },
  { agent: 'windsurf', name: 'Windsurf' },
  { agent: 'cline', name: 'Cline' },
];

function statusLine(i: Integration | undefined): { text: string; pill: string; cls: string } {
  if (!i) return { text: 'Checking…', pill: '…', cls: '' };
  const last = i.last_call_at ? `last call ${relativeTime(i.last_call_at)}` : 'no call yet';
  if (i.installed.length) {
    const where = i.installed.map((x) => x.scope).join(', ');
    return { text: `${i.name} hook installed (${where}) — ${last}`, pill: 'wired', cls: 'allowed' };
  }
  if (i.found) return { text: `Found on this machine, not wired — ${last}`, pill: 'not wired', cls: 'pending' };
  return { text: `Not found on this machine${i.last_call_at ? ` — ${last}` : ''}`, pill: 'not found', cls: '' };
}

/** Settings → Integrations: every coding agent, whether Gatehouse is wired into it, its last call (GET /api/v1/integrations). */
export function AgentHooks() {
  const { data, error, reload } = useAsync(() => api.integrations(), []);
  const byAgent = new Map((data?.items ?? []).map((i) => [i.agent, i]));
  return (
    <section className="panel">
      <div className="panel-head">
        <div className="grow">
          <h2>Coding agents</h2>
          <p>
            Each agent&rsquo;s own pre-tool hook asks Gatehouse first. Gatehouse never loosens the agent: it denies, asks, or stays silent
            so the agent&rsquo;s own prompt applies; it allows only what a policy or you allowed.
          </p>
        </div>
        <button className="btn" type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {error && <ErrorBanner error={error} onRetry={reload} />}
      <ul className="agent-hooks" aria-label="Coding agents">
        {AGENTS.map(({ agent, name }) => {
          const i = byAgent.get(agent);
          const s = statusLine(i);
          const cmd = `gatehouse hook install ${agent}`;
          return (
            <li key={agent} className="agent-hook">
              <div className="row">
                <h3 className="grow">{name}</h3>
                <span className={`pill ${s.cls}`}>{s.pill}</span>
              </div>
              <p className="small">{s.text}</p>
              {i?.installed.map((x) => (
                <p key={x.path} className="small muted mono" title={x.path}>
                  {x.path}
                </p>
              ))}
              {i?.note && <p className="small muted">{i.note}</p>}
              {!i?.installed.length && (
                <div className="row">
                  <code className="grow mono small">{cmd}</code>
                  <CopyButton text={cmd} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
