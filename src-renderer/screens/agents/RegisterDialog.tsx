import { useRef, useState } from 'react';
import type { Agent } from '../../../src-shared/index.js';
import { api, errorMessage, fieldErrors } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Dialog } from '../../components/Dialog.js';
import { useStore } from '../../store/index.js';

/**
 * Register (trust) an agent from the console: `POST /api/v1/agents/register` with the console's
 * admin session. A registered agent no longer carries the +10 "unregistered agent" risk factor.
 * Registering again updates the name, type and capabilities.
 */
export function RegisterDialog({ agent, onClose, onDone }: { agent: Agent; onClose: () => void; onDone: (a: Agent) => void }) {
  const [name, setName] = useState(agent.name ?? '');
  const [type, setType] = useState<'supervised' | 'autonomous'>(agent.agent_type ?? 'supervised');
  const [caps, setCaps] = useState(agent.capabilities.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const pushToast = useStore((s) => s.pushToast);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const capabilities = caps
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      const a = await api.registerAgent({
        agent_id: agent.agent_id,
        agent_type: type,
        ...(name.trim() ? { name: name.trim() } : {}),
        capabilities,
        metadata: agent.metadata,
      });
      pushToast({
        kind: 'allowed',
        title: `${a.name ?? a.agent_id} is registered`,
        detail: 'Its actions no longer add the +10 “unregistered” risk.',
      });
      onDone(a);
    } catch (e) {
      const details = fieldErrors(e);
      setError(details.length ? details.map((d) => `${d.path}: ${d.message}`).join('; ') : errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={agent.registered ? `Edit ${agent.agent_id}` : `Register ${agent.agent_id}`}
      onClose={onClose}
      initialFocus={first}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="register-agent" className="btn primary" disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {agent.registered ? 'Save' : 'Register and trust'}
          </button>
        </>
      }
    >
      <form
        id="register-agent"
        className="stack-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted small">
          Registering says you know this agent. Its actions stop adding the <strong>+10 “unregistered agent”</strong> risk factor; policies
          still apply as before.
        </p>
        <div className="field">
          <label htmlFor="ra-name">Display name</label>
          <input id="ra-name" ref={first} className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </div>
        <fieldset className="field">
          <legend className="label">How it works</legend>
          <label className="row">
            <input type="radio" name="ra-type" checked={type === 'supervised'} onChange={() => setType('supervised')} /> Supervised — a
            person watches it work
          </label>
          <label className="row">
            <input type="radio" name="ra-type" checked={type === 'autonomous'} onChange={() => setType('autonomous')} /> Autonomous — it
            runs on its own
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor="ra-caps">Capabilities (comma-separated, optional)</label>
          <input id="ra-caps" className="input" value={caps} placeholder="shell, git, files" onChange={(e) => setCaps(e.target.value)} />
        </div>
        {error && <Banner kind="error">{error}</Banner>}
      </form>
    </Dialog>
  );
}
