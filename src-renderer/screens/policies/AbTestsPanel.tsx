import { useState } from 'react';
import type { AbArmReport, AbTest, PolicyView } from '../../../src-shared/index.js';
import { api, errorMessage, fieldErrors } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { fullTime, humanDuration, num, relativeTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

const pct = (x: number | null): string => (x === null ? '—' : `${Math.round(x * 1000) / 10} %`);
const latency = (ms: number | null): string => (ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : humanDuration(ms / 1000));

/**
 * The report's columns: the head of the table on a wide window, each number's label on a card.
 * Decisions by outcome (SPEC 12) are allowed, denied and pending: the API's `decisions.pending`,
 * held for a person and not answered yet (what the Activity filter and the simulation call pending).
 */
const COLUMNS = [
  'Actions',
  'Allowed',
  'Denied',
  'Pending',
  'Approvals asked',
  'Approval rate',
  'Median approval time',
  'Other arm differs',
] as const;
const TITLES: Partial<Record<(typeof COLUMNS)[number], string>> = {
  Pending: 'Held for a person and not answered yet',
  'Other arm differs': 'Actions the other arm would have decided differently (both arms are evaluated for every action)',
};

/** One arm's numbers, as a table row (a card when the report's box is narrow: the arm and its policy, then each number with its label). */
function ArmRow({ label, policy, r }: { label: string; policy: string; r: AbArmReport }) {
  const values = [
    num(r.actions),
    num(r.decisions.allowed),
    num(r.decisions.denied),
    num(r.decisions.pending),
    num(r.approvals_asked),
    pct(r.approval_rate),
    latency(r.median_approval_latency_ms),
    num(r.other_arm_would_differ),
  ];
  return (
    <tr data-arm={label}>
      <th scope="row" className="card-title">
        {label} <span className="ab-arm-policy mono small muted">{policy}</span>
      </th>
      {values.map((v, i) => (
        <td key={COLUMNS[i]} className="num" data-label={COLUMNS[i]}>
          {v}
        </td>
      ))}
    </tr>
  );
}

function TestCard({ test, onStop }: { test: AbTest; onStop: (t: AbTest) => void }) {
  return (
    <article className="ab-test" data-ab-test-id={test.id} aria-label={`A/B test ${test.name}`}>
      <div className="row ab-test-head">
        <strong>{test.name}</strong>
        <Pill tone={test.status === 'running' ? 'pending' : null}>{test.status}</Pill>
        <span className="muted small">
          {test.traffic_split} % of the actions <span className="mono">{test.control_policy}</span> decides go to{' '}
          <span className="mono">{test.test_policy}</span> ·{' '}
          {test.status === 'running' ? (
            <span title={fullTime(test.ends_at)}>ends {relativeTime(test.ends_at)}</span>
          ) : (
            <span title={fullTime(test.stopped_at ?? test.ends_at)}>ended {relativeTime(test.stopped_at ?? test.ends_at)}</span>
          )}
        </span>
        <span className="grow" />
        {test.status === 'running' && (
          <button type="button" className="btn sm" onClick={() => onStop(test)}>
            Stop test
          </button>
        )}
      </div>
      <div className="table-wrap">
        <table className="table ab-report cards">
          <thead>
            <tr>
              <th>Arm</th>
              {COLUMNS.map((c) => (
                <th key={c} className="num" title={TITLES[c]}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <ArmRow label="control" policy={test.control_policy} r={test.arms.control} />
            <ArmRow label="test" policy={test.test_policy} r={test.arms.test} />
          </tbody>
        </table>
      </div>
    </article>
  );
}

/** Starts a test: the seeds' form (name, control, test, split, days). */
function StartForm({ policies, onStarted }: { policies: PolicyView[]; onStarted: () => void }) {
  const controls = policies.filter((p) => p.mode === 'enforce' && p.effect !== 'monitor');
  const [name, setName] = useState('');
  const [control, setControl] = useState('');
  const [test, setTest] = useState('');
  const [split, setSplit] = useState('10');
  const [days, setDays] = useState('7');
  const [error, setError] = useState<string | null>(null);
  async function start() {
    setError(null);
    try {
      await api.createAbTest({
        name,
        control_policy: control,
        test_policy: test,
        traffic_split: Number(split),
        duration_days: Number(days),
      });
      setName('');
      onStarted();
    } catch (e) {
      const d = fieldErrors(e)[0];
      setError(d ? `${d.path}: ${d.message}` : errorMessage(e));
    }
  }
  return (
    <form
      className="row ab-start"
      aria-label="Start an A/B test"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <label>
        <span className="label">Name</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="New refund policy test" />
      </label>
      <label>
        <span className="label">Control policy</span>
        <select className="input" value={control} onChange={(e) => setControl(e.target.value)}>
          <option value="">choose…</option>
          {controls.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="label">Test policy</span>
        <select className="input" value={test} onChange={(e) => setTest(e.target.value)}>
          <option value="">choose…</option>
          {policies
            .filter((p) => p.effect !== 'monitor' && p.id !== control)
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
                {p.mode === 'shadow' ? ' (shadow)' : ''}
              </option>
            ))}
        </select>
      </label>
      <label>
        <span className="label">Traffic %</span>
        <input className="input num" type="number" min={0} max={100} value={split} onChange={(e) => setSplit(e.target.value)} />
      </label>
      <label>
        <span className="label">Days</span>
        <input className="input num" type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} />
      </label>
      <button type="submit" className="btn" disabled={!name.trim() || !control || !test}>
        Start test
      </button>
      {error && <p className="field-error small">{error}</p>}
    </form>
  );
}

/**
 * SPEC 12 under Policies: the A/B tests with their per-arm reports, a stop button for the running
 * ones, and the seeds' form to start one. Shadow policies stay the zero-risk way to try a policy.
 */
export function AbTestsPanel({ policies }: { policies: PolicyView[] }) {
  const policiesSeq = useStore((s) => s.policiesSeq);
  const { data, error, reload } = useAsync(() => api.listAbTests(), [policiesSeq]);
  const [stopError, setStopError] = useState<string | null>(null);
  async function stop(t: AbTest) {
    setStopError(null);
    try {
      await api.stopAbTest(t.id);
      reload();
    } catch (e) {
      setStopError(`Could not stop ${t.name}: ${errorMessage(e)}`);
    }
  }
  const tests = data?.items ?? [];
  return (
    <section className="panel ab-tests" aria-labelledby="ab-tests-title">
      <div className="panel-head">
        <div>
          <h2 id="ab-tests-title">A/B tests</h2>
          <p>
            Send a share of the actions a policy decides to another policy, picked by a stable hash of the action (a retry lands in the same
            arm), and compare. A shadow policy is the zero-risk way to try one: it decides nothing.
          </p>
        </div>
        <button type="button" className="btn ghost sm" onClick={reload}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} onRetry={reload} />
      {stopError && <Banner kind="error">{stopError}</Banner>}
      {tests.length === 0 && data && <p className="muted small">No A/B tests yet.</p>}
      <div className="stack">
        {tests.map((t) => (
          <TestCard key={t.id} test={t} onStop={(x) => void stop(x)} />
        ))}
      </div>
      <StartForm policies={policies} onStarted={reload} />
    </section>
  );
}
