import { useRef, useState } from 'react';
import { DEFAULT_ADMIN_KEY_ID, type KeyCreated, type KeyView } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ConfirmDialog, Dialog } from '../../components/Dialog.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

function SecretDialog({ k, onClose }: { k: KeyCreated; onClose: () => void }) {
  const done = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title={`Key "${k.name}" created`}
      onClose={onClose}
      initialFocus={done}
      actions={
        <button type="button" className="btn primary" onClick={onClose} ref={done}>
          I have stored it
        </button>
      }
    >
      <Banner kind="warn">
        <strong>This is the only time the key is shown.</strong> Gatehouse keeps only its hash. Copy it now into your agent's configuration
        or a password manager.
      </Banner>
      <div className="row secret-row">
        <code className="secret grow" data-testid="new-key-secret">
          {k.key}
        </code>
        <CopyButton text={k.key} />
      </div>
      <p className="muted small">
        Scope <strong>{k.scope}</strong>
        {k.agent_id ? (
          <>
            , bound to agent <strong>{k.agent_id}</strong>
          </>
        ) : null}
        {k.approver ? (
          <>
            , answers approval workflow steps as <strong>{k.approver}</strong>
          </>
        ) : null}
        . Use it as <code>X-API-Key</code> or <code>GATEHOUSE_API_KEY</code>.
      </p>
    </Dialog>
  );
}

/** API keys: list (never secrets), create (secret shown once), revoke with confirmation. */
export function KeysPanel() {
  const { data, error, loading, reload } = useAsync(() => api.listKeys(), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'agent' | 'admin'>('agent');
  const [agentId, setAgentId] = useState('');
  const [approver, setApprover] = useState('');
  const [created, setCreated] = useState<KeyCreated | null>(null);
  const [revoking, setRevoking] = useState<KeyView | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pushToast = useStore((s) => s.pushToast);
  const now = useNow();

  async function create() {
    setBusy(true);
    setFormError(null);
    try {
      const k = await api.createKey({
        name: name.trim(),
        scope,
        ...(agentId.trim() && scope === 'agent' ? { agent_id: agentId.trim() } : {}),
        ...(approver.trim() && scope === 'admin' ? { approver: approver.trim() } : {}),
      });
      setCreated(k);
      setName('');
      setAgentId('');
      setApprover('');
      reload();
    } catch (e) {
      setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: KeyView) {
    setRevoking(null);
    try {
      await api.revokeKey(k.id);
      pushToast({ kind: 'info', title: `Revoked key ${k.name}`, detail: 'Requests with it are refused from now on.' });
      reload();
    } catch (e) {
      setFormError(errorMessage(e));
    }
  }

  const keys = [...(data?.items ?? [])].sort(
    (a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at) || b.created_at.localeCompare(a.created_at),
  );

  return (
    <div className="stack">
      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Create a key</h2>
            <p>Agent keys submit actions and read their own status; admin keys can do everything, including approving.</p>
          </div>
        </div>
        <form
          className="row-wrap key-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void create();
          }}
        >
          <div className="field">
            <label htmlFor="k-name">Name</label>
            <input
              id="k-name"
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="ci-runner"
              maxLength={128}
              required
            />
          </div>
          <div className="field">
            <label htmlFor="k-scope">Scope</label>
            <select
              id="k-scope"
              className="select"
              value={scope}
              onChange={(e) => setScope(e.target.value === 'admin' ? 'admin' : 'agent')}
            >
              <option value="agent">agent</option>
              <option value="admin">admin</option>
            </select>
          </div>
          {scope === 'agent' && (
            <div className="field">
              <label htmlFor="k-agent">Bound to agent (optional)</label>
              <input id="k-agent" className="input" value={agentId} onChange={(e) => setAgentId(e.target.value)} placeholder="any agent" />
            </div>
          )}
          {scope === 'admin' && (
            <div className="field">
              <label htmlFor="k-approver">Approver name (optional)</label>
              <input
                id="k-approver"
                className="input"
                value={approver}
                onChange={(e) => setApprover(e.target.value)}
                placeholder="team-lead"
                title="The name this key answers approval workflow steps as"
              />
            </div>
          )}
          <div className="field">
            <span className="label">&nbsp;</span>
            <button type="submit" className="btn primary" disabled={!name.trim() || busy}>
              <Icon name="key" size={14} /> Create key
            </button>
          </div>
        </form>
        {formError && (
          <div style={{ marginTop: 12 }}>
            <Banner kind="error">{formError}</Banner>
          </div>
        )}
      </section>
      <ErrorBanner error={error} onRetry={reload} />
      {loading && !data ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table className="table cards">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th>Agent / approver</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} className={k.revoked_at ? 'disabled' : undefined}>
                  <td className="card-title">{k.name}</td>
                  <td data-label="Scope">
                    <Pill tone={k.scope === 'admin' ? 'critical' : undefined}>{k.scope}</Pill>
                  </td>
                  <td className="small" data-label="Agent / approver">
                    {k.scope === 'admin' ? (
                      k.approver ? (
                        <>answers as {k.approver}</>
                      ) : (
                        <span className="muted">no approver name</span>
                      )
                    ) : (
                      (k.agent_id ?? <span className="muted">any</span>)
                    )}
                  </td>
                  <td className="mono small" data-label="Key">
                    {k.prefix}…
                  </td>
                  <td className="small" data-label="Created" title={fullTime(k.created_at)}>
                    {relativeTime(k.created_at, now)}
                  </td>
                  <td className="small" data-label="Last used">
                    {k.last_used_at ? relativeTime(k.last_used_at, now) : <span className="muted">never</span>}
                  </td>
                  <td className="card-end" style={{ textAlign: 'right' }}>
                    {k.revoked_at ? (
                      <span className="muted small">revoked {relativeTime(k.revoked_at, now)}</span>
                    ) : k.id === DEFAULT_ADMIN_KEY_ID ? (
                      <span
                        className="muted small"
                        title="The CLI and `gatehouse open` use it. To renew it, delete credentials.json and restart."
                      >
                        used by the CLI
                      </span>
                    ) : (
                      <button type="button" className="btn sm danger-ghost" onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {created && <SecretDialog k={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke "${revoking.name}"?`}
          confirmLabel="Revoke key"
          danger
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke(revoking)}
        >
          <p>
            Every agent or script using <code>{revoking.prefix}…</code> is refused from now on. This cannot be undone; create a new key to
            restore access.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
