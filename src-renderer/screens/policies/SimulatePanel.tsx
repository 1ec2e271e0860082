import { useState } from 'react';
import type { SimulateResult } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Icon } from '../../components/Icon.js';
import { StatusPill } from '../../components/Pill.js';
import { num, shortTime } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';

const KEYS = ['allowed', 'pending', 'denied'] as const;

function Counts({ r }: { r: SimulateResult }) {
  return (
    <div className="sim-counts">
      {KEYS.map((k) => {
        const d = r.counts.after[k] - r.counts.before[k];
        return (
          <div key={k} className={`stat ${k}`}>
            <div className="stat-label">{k}</div>
            <div className="stat-value">
              {num(r.counts.before[k])} → {num(r.counts.after[k])}
            </div>
            <div className={`small ${d === 0 ? 'muted' : ''}`}>{d === 0 ? 'no change' : `${d > 0 ? '+' : ''}${num(d)}`}</div>
          </div>
        );
      })}
    </div>
  );
}

/** Replays the last N recorded actions through the current set and the draft set and lists what the draft changes. */
export function SimulatePanel({ draftSet }: { draftSet: () => unknown[] | null }) {
  const [limit, setLimit] = useState(1000);
  const [result, setResult] = useState<SimulateResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    const set = draftSet();
    if (!set) {
      setError('Fix the draft first: it does not validate.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResult(await api.simulate(set, limit));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack-sm">
      <p className="muted small">
        Replays recent actions through the current policy set and through the set with this draft in place — nothing is changed — and lists
        the decisions the draft changes. Use it before enabling a policy in <em>enforce</em> mode.
      </p>
      <div className="row-wrap">
        <label htmlFor="sim-limit" className="small">
          Replay the last
        </label>
        <select id="sim-limit" className="select" style={{ width: 150 }} value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
          {[100, 1000, 10000, 100000].map((n) => (
            <option key={n} value={n}>
              {num(n)} actions
            </option>
          ))}
        </select>
        <button type="button" className="btn primary" onClick={() => void run()} disabled={busy}>
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
          Simulate against recent history
        </button>
      </div>
      {error && <Banner kind="error">{error}</Banner>}
      {result && (
        <div className="stack-sm" aria-live="polite">
          <p>
            <strong>{num(result.replayed)}</strong> actions replayed; <strong>{num(result.changed_count)}</strong> would be decided
            differently.
          </p>
          <Counts r={result} />
          {result.changed.length > 0 && (
            <div className="table-wrap" style={{ maxHeight: 320 }}>
              <table className="table">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Agent</th>
                    <th>Action</th>
                    <th>Resource</th>
                    <th>Current set</th>
                    <th>With draft</th>
                  </tr>
                </thead>
                <tbody>
                  {result.changed.map((c) => (
                    <tr key={c.action_id}>
                      <td className="small nowrap">{shortTime(c.created_at)}</td>
                      <td className="small">{c.agent_id}</td>
                      <td className="mono small">{c.action_type}</td>
                      <td className="mono small truncate" style={{ maxWidth: 260 }} title={c.resource ?? ''}>
                        {c.resource ? maskSecrets(c.resource) : '—'}
                      </td>
                      <td>
                        <StatusPill status={c.before.decision} />
                        {c.before.policy_id && <div className="mono small muted">{c.before.policy_id}</div>}
                        {c.recorded.decision !== c.before.decision && (
                          <div className="small muted" title="What was decided when the action arrived, under the policies of that time">
                            recorded: {c.recorded.decision}
                          </div>
                        )}
                      </td>
                      <td title={c.after.reason}>
                        <StatusPill status={c.after.decision} />
                        {c.after.policy_id && <div className="mono small muted">{c.after.policy_id}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
