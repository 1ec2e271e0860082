import { useEffect, useState } from 'react';
import type { Settings } from '../../../src-shared/index.js';
import { api, errorMessage, fieldErrors } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useStore } from '../../store/index.js';
import { humanDuration } from '../../lib/format.js';
import { isWholeIn, scaleBounds, thresholdProblems } from './thresholds.js';

type Form = Pick<
  Settings,
  | 'enforcement'
  | 'auto_allow_below'
  | 'require_approval_at'
  | 'deny_at'
  | 'approval_timeout_s'
  | 'timeout_action'
  | 'rate_limit_per_s'
  | 'hook_fallback'
>;

function pick(s: Settings): Form {
  return {
    enforcement: s.enforcement,
    auto_allow_below: s.auto_allow_below,
    require_approval_at: s.require_approval_at,
    deny_at: s.deny_at,
    approval_timeout_s: s.approval_timeout_s,
    timeout_action: s.timeout_action,
    rate_limit_per_s: s.rate_limit_per_s,
    hook_fallback: s.hook_fallback,
  };
}

function problems(f: Form): Record<string, string> {
  const p = thresholdProblems(f);
  if (!isWholeIn(f.approval_timeout_s, 1, 7 * 86_400)) p.approval_timeout_s = 'From 1 second to 7 days (604800)';
  if (!isWholeIn(f.rate_limit_per_s, 0, 1_000_000)) p.rate_limit_per_s = 'A whole number; 0 turns the limit off';
  return p;
}

/** The risk scale 0–100 coloured by what the thresholds do. */
function RiskScale({ f }: { f: Form }) {
  const { allow: a, approval: r, deny: d } = scaleBounds(f);
  const seg = (from: number, to: number, cls: string, label: string) =>
    to > from && (
      <span className={`scale-seg ${cls}`} style={{ width: `${to - from}%` }} title={`${from}–${to}: ${label}`}>
        {to - from >= 12 ? label : ''}
      </span>
    );
  return (
    <div className="risk-scale" aria-label="What each risk score leads to when no policy decides">
      <div className="scale-bar">
        {seg(0, a, 'allow', 'allow')}
        {seg(a, r, 'flag', 'allow + flag')}
        {seg(r, d, 'approve', 'approval')}
        {seg(d, 100, 'deny', 'deny')}
      </div>
      <div className="scale-ticks small muted">
        <span>0</span>
        <span>50</span>
        <span>100</span>
      </div>
    </div>
  );
}

function NumField({
  id,
  label,
  hint,
  value,
  onChange,
  error,
  allowEmpty,
}: {
  id: string;
  label: string;
  hint: string;
  value: number | null;
  onChange: (v: number | null) => void;
  error?: string;
  allowEmpty?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="number"
        value={value ?? ''}
        placeholder={allowEmpty ? 'off' : undefined}
        onChange={(e) => onChange(e.target.value === '' ? (allowEmpty ? null : Number.NaN) : Number(e.target.value))}
        aria-invalid={!!error}
      />
      {error ? <div className="error">{error}</div> : <div className="hint">{hint}</div>}
    </div>
  );
}

/** Thresholds, enforcement mode and approval timeout (PUT /api/v1/settings). */
export function GeneralPanel() {
  const { data, error, loading, reload } = useAsync(() => api.settings(), []);
  const [form, setForm] = useState<Form | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [serverIssues, setServerIssues] = useState<Record<string, string>>({});
  const pushToast = useStore((s) => s.pushToast);

  useEffect(() => {
    if (data) setForm(pick(data));
  }, [data]);

  if (loading && !data) return <Loading label="Loading settings…" />;
  if (error) return <ErrorBanner error={error} onRetry={reload} />;
  if (!form || !data) return null;

  const local = problems(form);
  const issues = { ...serverIssues, ...local };
  const dirty = JSON.stringify(form) !== JSON.stringify(pick(data));
  const set = (patch: Partial<Form>) => {
    setServerIssues({});
    setForm({ ...form, ...patch });
  };

  async function save() {
    if (!form) return;
    setSaving(true);
    setSaveError(null);
    try {
      const saved = await api.updateSettings(form);
      setForm(pick(saved));
      reload();
      pushToast({ kind: 'allowed', title: 'Settings saved', detail: 'They apply to the next action.' });
    } catch (e) {
      const m: Record<string, string> = {};
      for (const d of fieldErrors(e)) m[d.path] = d.message;
      setServerIssues(m);
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="stack settings-general">
      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Enforcement</h2>
            <p>What happens to deny and approval outcomes.</p>
          </div>
        </div>
        <div className="choice-cards" role="radiogroup" aria-label="Enforcement mode">
          <label className={`choice-card${form.enforcement === 'enforce' ? ' checked' : ''}`}>
            <input
              type="radio"
              name="enforcement"
              checked={form.enforcement === 'enforce'}
              onChange={() => set({ enforcement: 'enforce' })}
            />
            <span>
              <strong>Enforce</strong>
              <span className="muted small block">Denied actions are refused and risky ones wait for your approval. Recommended.</span>
            </span>
          </label>
          <label className={`choice-card${form.enforcement === 'monitor' ? ' checked' : ''}`}>
            <input
              type="radio"
              name="enforcement"
              checked={form.enforcement === 'monitor'}
              onChange={() => set({ enforcement: 'monitor' })}
            />
            <span>
              <strong>Monitor only</strong>
              <span className="muted small block">
                Everything is allowed; what would have been denied or held is only recorded (<code>would_deny</code>,{' '}
                <code>would_require_approval</code> flags). Use it to try Gatehouse on real traffic first.
              </span>
            </span>
          </label>
        </div>
        {form.enforcement === 'monitor' && (
          <div style={{ marginTop: 12 }}>
            <Banner kind="warn">In monitor mode nothing is blocked: agents can run destructive commands without asking.</Banner>
          </div>
        )}
      </section>

      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Risk thresholds</h2>
            <p>When no policy decides, the risk score (0–100) does.</p>
          </div>
        </div>
        <RiskScale f={form} />
        <div className="form-grid" style={{ marginTop: 16 }}>
          <NumField
            id="s-allow"
            label="Allow below"
            hint="Scores under this are allowed silently"
            value={form.auto_allow_below}
            onChange={(v) => set({ auto_allow_below: v ?? 0 })}
            error={issues.auto_allow_below}
          />
          <NumField
            id="s-approval"
            label="Require approval at"
            hint="Scores from this wait for you"
            value={form.require_approval_at}
            onChange={(v) => set({ require_approval_at: v ?? 0 })}
            error={issues.require_approval_at}
          />
          <NumField
            id="s-deny"
            label="Deny at"
            hint="Empty: never deny by score alone"
            value={form.deny_at}
            onChange={(v) => set({ deny_at: v })}
            error={issues.deny_at}
            allowEmpty
          />
        </div>
      </section>

      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Agent hooks</h2>
            <p>What a coding agent&rsquo;s hook answers when no policy decided and the risk was low.</p>
          </div>
        </div>
        <div className="field">
          <label htmlFor="s-hook-fallback">Low-risk actions no policy decided</label>
          <select
            id="s-hook-fallback"
            className="select"
            value={form.hook_fallback}
            onChange={(e) => set({ hook_fallback: e.target.value === 'allow' ? 'allow' : 'pass' })}
          >
            <option value="pass">No opinion: the agent&rsquo;s own prompt applies (safe)</option>
            <option value="allow">Allow: Gatehouse replaces the agent&rsquo;s prompts</option>
          </select>
          {form.hook_fallback === 'allow' ? (
            <div className="error">Agents will run low-risk actions their own rules would have asked you about.</div>
          ) : (
            <div className="hint">Gatehouse allows only what a policy or you allowed; everything else is left to the agent.</div>
          )}
        </div>
      </section>

      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Approvals</h2>
            <p>How long an agent waits for you, and what happens when nobody answers.</p>
          </div>
        </div>
        <div className="form-grid">
          <NumField
            id="s-timeout"
            label="Approval timeout (seconds)"
            hint={`${humanDuration(form.approval_timeout_s)}; a policy can set its own`}
            value={form.approval_timeout_s}
            onChange={(v) => set({ approval_timeout_s: v ?? 0 })}
            error={issues.approval_timeout_s}
          />
          <div className="field">
            <label htmlFor="s-timeout-action">When nobody answers</label>
            <select
              id="s-timeout-action"
              className="select"
              value={form.timeout_action}
              onChange={(e) => set({ timeout_action: e.target.value === 'allow' ? 'allow' : 'deny' })}
            >
              <option value="deny">Deny (safe)</option>
              <option value="allow">Allow</option>
            </select>
            {form.timeout_action === 'allow' ? (
              <div className="error">Unanswered requests will run. Only for low-stakes setups.</div>
            ) : (
              <div className="hint">Unanswered requests are refused</div>
            )}
          </div>
          <NumField
            id="s-rate"
            label="Rate limit (requests/s per key)"
            hint="0 turns it off"
            value={form.rate_limit_per_s}
            onChange={(v) => set({ rate_limit_per_s: v ?? 0 })}
            error={issues.rate_limit_per_s}
          />
        </div>
      </section>

      {saveError && <Banner kind="error">{saveError}</Banner>}
      <div className="sticky-actions row">
        <span className="muted small grow">{dirty ? 'Unsaved changes.' : 'Saved settings apply to the next action.'}</span>
        <button type="button" className="btn" disabled={!dirty || saving} onClick={() => setForm(pick(data))}>
          Discard
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={!dirty || saving || Object.keys(local).length > 0}
          onClick={() => void save()}
        >
          {saving && <span className="spinner" aria-hidden="true" />}
          Save settings
        </button>
      </div>
    </div>
  );
}
