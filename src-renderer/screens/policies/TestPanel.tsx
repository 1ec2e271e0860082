import { useState } from 'react';
import { ActionRequestSchema, type PolicyTestResult } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Icon } from '../../components/Icon.js';
import { Pill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { words } from '../../lib/format.js';
import { RiskFactors } from '../approvals/RiskFactors.js';
import { PRESETS } from './model.js';

const DEFAULT = JSON.stringify(PRESETS[1]!.action, null, 2);

function TraceTable({ trace }: { trace: PolicyTestResult['trace'] }) {
  if (trace.length === 0) return <p className="muted small">No policies were considered.</p>;
  return (
    <div className="table-wrap trace">
      <table className="table">
        <thead>
          <tr>
            <th style={{ width: '26%' }}>Policy</th>
            <th style={{ width: 150 }}>Effect</th>
            <th className="num" style={{ width: 84 }}>
              Priority
            </th>
            <th style={{ width: 104 }}>Result</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {trace.map((t) => (
            <tr key={t.policy_id} className={t.decided ? 'decided' : t.matched ? 'matched' : 'unmatched'}>
              <td>
                <div className="mono small">{t.policy_id}</div>
                {t.mode === 'shadow' && <Pill tone="shadow">shadow</Pill>}
              </td>
              <td>
                <Pill tone={t.effect}>{words(t.effect)}</Pill>
              </td>
              <td className="num">{t.priority}</td>
              <td className="nowrap">
                {t.decided ? (
                  <strong className="trace-decided">
                    <Icon name="check" size={13} /> decided
                  </strong>
                ) : t.matched ? (
                  <span>matched</span>
                ) : !t.considered ? (
                  <span className="muted">skipped</span>
                ) : (
                  <span className="muted">no match</span>
                )}
              </td>
              <td className="why">{t.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Test an action": what the current (or a draft) policy set decides for an action, and why. */
export function TestPanel({ draftSet, compact }: { draftSet?: () => unknown[] | null; compact?: boolean }) {
  const [text, setText] = useState(DEFAULT);
  const [result, setResult] = useState<PolicyTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  let parseError: string | null = null;
  let action: unknown = null;
  try {
    action = JSON.parse(text);
    const r = ActionRequestSchema.safeParse(action);
    if (!r.success) parseError = r.error.issues.map((i) => `${i.path.join('.') || 'action'}: ${i.message}`).join('; ');
  } catch (e) {
    parseError = `Not valid JSON: ${(e as Error).message}`;
  }

  async function run() {
    if (parseError) return;
    setBusy(true);
    setError(null);
    try {
      const set = draftSet?.() ?? undefined;
      setResult(await api.testPolicy(ActionRequestSchema.parse(action), set));
    } catch (e) {
      setError(errorMessage(e));
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={`test-panel${compact ? ' compact' : ''}`}>
      <div className="test-input">
        <div className="row-wrap" role="group" aria-label="Presets">
          <span className="muted small">Presets:</span>
          {PRESETS.map((p) => (
            <button key={p.label} type="button" className="btn sm" onClick={() => setText(JSON.stringify(p.action, null, 2))}>
              {p.label}
            </button>
          ))}
        </div>
        <label className="sr-only" htmlFor="test-action">
          Action JSON
        </label>
        <textarea
          id="test-action"
          className="textarea code"
          rows={compact ? 9 : 11}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          aria-invalid={!!parseError}
        />
        {parseError && <div className="field-error">{parseError}</div>}
        <div className="row">
          <button type="button" className="btn primary" onClick={() => void run()} disabled={!!parseError || busy}>
            {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="play" size={14} />}
            {draftSet ? 'Test with this draft' : 'Test'}
          </button>
          <span className="muted small">Nothing is recorded: this only asks the engine.</span>
        </div>
      </div>
      <div className="test-result" aria-live="polite">
        {error && <Banner kind="error">{error}</Banner>}
        {!result && !error && <p className="muted small">The decision, its risk factors and the trace of every policy appear here.</p>}
        {result && (
          <div className="stack-sm">
            <div className="row-wrap test-decision">
              <Pill tone={result.decision}>{result.decision}</Pill>
              <RiskBadge score={result.risk.score} level={result.risk.level} />
              {result.policy ? (
                <span className="small">
                  by <strong className="mono">{result.policy.id}</strong>
                </span>
              ) : (
                <span className="small muted">no deciding policy — decided by risk thresholds</span>
              )}
            </div>
            <p className="small">{result.reason}</p>
            {result.flags.length > 0 && (
              <div className="row-wrap">
                {result.flags.map((f) => (
                  <Pill key={f} tone="monitor">
                    {f}
                  </Pill>
                ))}
              </div>
            )}
            <div className="label">Risk factors</div>
            <RiskFactors risk={result.risk} />
          </div>
        )}
      </div>
      {result && (
        <div className="test-trace">
          <div className="label">Trace — every policy considered, highest priority first</div>
          <TraceTable trace={result.trace} />
        </div>
      )}
    </div>
  );
}
